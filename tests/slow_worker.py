"""A real Celery worker with a fault-injection hook in the render step, for the kill tests
(tests/diagnosis/report/test_worker_kill.py). Monkeypatching cannot reach another process, so this
module patches ``diagnosis.report.pdf.html_to_pdf`` in the worker's main process and then starts
the worker in that same process: the prefork children inherit the patch.

``python -m tests.slow_worker [celery worker options]``, with ``REPORT_GATE_DIR`` set to a directory:

- on entering the render step the child writes ``rendering-<pid>`` there (its PID, so the test
  kills exactly the child that holds the report);
- while ``<REPORT_GATE_DIR>/block`` exists, the render waits;
- then it returns a tiny valid one-page PDF whose bytes depend on the HTML (the real WeasyPrint
  with ``REPORT_REAL_PDF=1``). The stub keeps the tests short; WeasyPrint itself is covered by
  the report tests marked ``slow``.
"""

import hashlib
import os
import sys
import time
from pathlib import Path


def tiny_pdf(html: str) -> bytes:
    """A minimal, well-formed one-page PDF (correct xref offsets) that names the HTML's digest."""
    digest = hashlib.sha256(html.encode()).hexdigest()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
    ]
    stream = f"% {digest}\n".encode()
    objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.worker_settings")
    import django

    django.setup()
    from diagnosis.report import pdf

    real = pdf.html_to_pdf
    gate = Path(os.environ["REPORT_GATE_DIR"]) if os.environ.get("REPORT_GATE_DIR") else None

    def gated_html_to_pdf(html, *, base_url):
        if gate is not None:
            (gate / f"rendering-{os.getpid()}").write_text(str(os.getpid()))
            while (gate / "block").exists():
                time.sleep(0.05)
        if os.environ.get("REPORT_REAL_PDF") == "1":
            return real(html, base_url=base_url)
        return tiny_pdf(html)

    pdf.html_to_pdf = gated_html_to_pdf
    from portal.celery import app

    app.worker_main(["worker", *argv])


if __name__ == "__main__":
    main(sys.argv[1:])
