import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from diagnosis.scoring import AnswerError, score
from diagnosis.spec import SpecNotFound, get_spec


def _read_json(path: str, what: str) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandError(f"cannot read {what} file {path}: {exc.strerror}", returncode=2) from None
    except json.JSONDecodeError as exc:
        raise CommandError(f"{what} file {path} is not valid JSON: {exc.msg} (line {exc.lineno})",
                           returncode=2) from None
    if not isinstance(data, dict):
        raise CommandError(f"{what} file {path} must hold a JSON object", returncode=2)
    return data


class Command(BaseCommand):
    help = ("Score an answers file against a spec and print the result as JSON (numbers as strings with "
            "two decimals). Exit status 2 with a one-line error on bad input.")

    def add_arguments(self, parser):
        parser.add_argument("--spec", required=True, help="code@version, see `manage.py specs`")
        parser.add_argument("--answers", required=True, help="JSON object: item code → answer")
        parser.add_argument("--context", help="JSON object: industry / production type / scale facts")

    def handle(self, *args, spec, answers, context=None, **options):
        try:
            loaded = get_spec(spec)
        except SpecNotFound:
            raise CommandError(f"unknown spec {spec!r}; see `manage.py specs`", returncode=2) from None
        answer_data = _read_json(answers, "answers")
        context_data = _read_json(context, "context") if context else None
        try:
            result = score(loaded, answer_data, context_data)
        except AnswerError as exc:
            raise CommandError(str(exc).replace("\n", " "), returncode=2) from None
        self.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
