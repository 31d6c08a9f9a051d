"""The enterprise's self-assessment in a real browser: sign in, start, fill in every step through
the actual inputs with HTMX autosave, survive a reload, submit with the pledge, see the radar chart;
plus the two-tab edit conflict and a conditional question.

Every wait is on a state (the question's saved stamp and new version, a URL, a response), never a
fixed sleep.
"""

import re
import time

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from diagnosis.fill.questionnaire import sections
from diagnosis.fill.services import assessment_start
from diagnosis.models import Answer, Assessment
from diagnosis.scoring import validate_answer
from diagnosis.spec import get_spec, latest_spec
from tests.diagnosis.answers import full_answers
from tests.factories import PASSWORD, EnterpriseFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SME = "sme-2024"
# The question came back from the server at a new version, with its saved stamp.
SAVED_JS = """([code, before]) => {
    const form = document.getElementById("q-" + code);
    return form !== null && form.querySelector("input[name=version]").value !== before
        && form.querySelector(".q-status .saved") !== null;
}"""


@pytest.fixture
def owner():
    """Owner of a verified enterprise (the factory default), who has never signed in."""
    return MembershipFactory(enterprise=EnterpriseFactory(), role="owner").user


def sign_in(page, user):
    page.goto("/accounts/login/")
    page.locator("main input[name=username]").fill(user.username)
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("header form[action='/accounts/logout/']")).to_be_attached()


class Question:
    """One question form on the fill page; ``save`` wraps a UI action and waits for its autosave."""

    def __init__(self, page, item):
        self.page, self.item = page, item

    @property
    def form(self):
        return self.page.locator(f"#q-{self.item.code}")

    def option(self, code):
        return self.form.locator(f"input[name=value][value='{code}']")

    def label(self, code):
        return self.form.locator("label.opt").filter(has=self.page.locator(f"input[value='{code}']"))

    def version(self) -> int:
        return int(self.form.locator("input[name=version]").input_value())

    def save(self, action) -> None:
        """Do ``action`` and wait until the server answered with the question re-rendered at a new
        version and its saved stamp: only then is the next input safe to touch (see
        test_a_second_option_clicked_while_the_first_save_is_in_flight_is_kept)."""
        before = self.version()
        action()
        try:
            # Polled on every animation frame: expect()'s back-off would add ~100 ms to each save.
            self.page.wait_for_function(SAVED_JS, arg=[self.item.code, str(before)])
        except PlaywrightTimeoutError:
            status = self.form.locator(".q-status").inner_text().strip()
            raise AssertionError(f"{self.item.code}: no autosave after version {before}; "
                                 f"status: {status!r}") from None

    def answer(self, value) -> None:
        kind = self.item.kind
        if kind in ("choice", "scenario", "requirement"):
            self.save(self.label(str(value)).click)
        elif kind == "multi":
            for code in value:
                self.save(self.label(code).click)
        elif kind == "ratio":
            self.save(lambda: self.type_ratio(value))
        else:
            raise AssertionError(kind)

    def type_ratio(self, value) -> None:
        # Typed field after field, as a user does: the half-filled ratio is not saved (204) and the
        # page keeps what was typed; the denominator completes it and saves both.
        numerator = self.form.locator("input[name=numerator]")
        numerator.fill(str(value["numerator"]))
        numerator.press("Tab")
        denominator = self.form.locator("input[name=denominator]")
        denominator.fill(str(value["denominator"]))
        denominator.press("Tab")

    def assert_shows(self, value) -> None:
        """The page, as loaded now, shows ``value`` as this question's saved answer."""
        kind = self.item.kind
        expect(self.form.locator(".q-status .saved")).to_be_visible()
        if kind == "ratio":
            for part in ("numerator", "denominator"):
                shown = self.form.locator(f"input[name={part}]").input_value()
                assert float(shown) == float(value[part]), (self.item.code, part, shown)
            return
        chosen = set(value) if kind == "multi" else {str(value)}
        for option in self.form.locator("input[name=value]").all():
            if option.get_attribute("value") in chosen:
                expect(option).to_be_checked()
            else:
                expect(option).not_to_be_checked()


def _wait_until(page, condition, timeout_s=10):
    """Wait for a condition on the Python side (e.g. a route handler having run): Playwright only
    dispatches its events while a call of ours is inside its event loop."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        page.wait_for_timeout(20)


def _step_url(assessment_pk, step_code=None):
    suffix = f"{step_code}/" if step_code else ""
    return re.compile(rf"/assessments/{assessment_pk}/fill/{suffix}$")


def test_owner_fills_in_the_whole_questionnaire_and_sees_the_result(page, owner):
    sign_in(page, owner)
    page.goto("/assessments/")
    spec = latest_spec(SME)
    expect(page.locator("#spec")).to_have_value(spec.key)  # SME 2024 is the default standard
    # The page is dead without HTMX and questionnaire.js: both come from the static files handler.
    with page.expect_response(re.compile(r"/static/js/questionnaire\.js$")) as script:
        page.locator("form[action='/assessments/start/'] button[type=submit]").click()
    assert script.value.ok
    page.wait_for_url(re.compile(r"/assessments/\d+/fill/$"))
    page.wait_for_function("() => window.htmx !== undefined")
    assessment = Assessment.objects.get(enterprise__memberships__user=owner)
    assert assessment.spec_key == spec.key

    answers = full_answers(spec)
    steps = sections(spec)
    for index, step in enumerate(steps):
        expect(page).to_have_url(_step_url(assessment.pk, step.code if index else None))
        for code in step.item_codes:
            Question(page, spec.items[code]).answer(answers[code])
        if index == 1:
            # Midway: a reload (and a look back at the first step) shows every answer given so far.
            page.reload()
            for code in step.item_codes:
                Question(page, spec.items[code]).assert_shows(answers[code])
            page.locator(".step-nav a.btn.secondary").click()
            expect(page).to_have_url(_step_url(assessment.pk, steps[0].code))
            for code in steps[0].item_codes:
                Question(page, spec.items[code]).assert_shows(answers[code])
            page.locator(".step-nav a.btn:not(.secondary)").click()
            expect(page).to_have_url(_step_url(assessment.pk, step.code))
        # The last step's forward button is "Review and submit".
        page.locator(".step-nav a.btn:not(.secondary)").click()

    expect(page).to_have_url(re.compile(rf"/assessments/{assessment.pk}/submit/$"))
    expect(page.locator("#missing")).to_have_count(0)
    page.locator("main input[name=pledge]").check()
    page.locator("main form.card button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/assessments/{assessment.pk}/result/$"))

    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED
    assert assessment.submitted_answers == {code: validate_answer(spec, code, value)
                                            for code, value in answers.items()}
    # plotly marks the container it drew into with .js-plotly-plot, renders svg.main-svg in it and
    # puts a radar (polar) subplot in .polarlayer.
    radar = page.locator("#result-radar.js-plotly-plot")
    expect(radar.locator("svg.main-svg").first).to_be_visible()
    expect(radar.locator(".polarlayer .polar")).not_to_have_count(0)


@pytest.fixture
def draft(owner):
    return assessment_start(enterprise=owner.memberships.get().enterprise, actor=owner)


def test_two_tabs_saving_one_question_show_the_conflict_and_keep_my_answer(page, open_tab, page_guard, owner,
                                                                             draft):
    spec = get_spec(draft.spec_key)
    item = spec.items["it-coverage"]
    theirs, mine = item.options[0], item.options[1]
    sign_in(page, owner)
    second = open_tab()
    for tab in (page, second):
        tab.goto(f"/assessments/{draft.pk}/fill/")
    first_question, second_question = Question(page, item), Question(second, item)

    first_question.save(first_question.label(theirs.code).click)
    # The second tab still holds version 0: its save is refused with 409 and both answers.
    page_guard.allow(r"409 .*/answer/|status of 409")
    second_question.label(mine.code).click()
    box = second_question.form.locator(".conflict-box")
    expect(box).to_be_visible()
    expect(box).to_contain_text(theirs.title)
    expect(box).to_contain_text(mine.title)
    assert Answer.objects.get(assessment=draft, item_code=item.code).value == theirs.code

    second_question.save(box.get_by_role("button", name=re.compile("保留我的答案|Keep my answer")).click)
    expect(second_question.form.locator(".conflict-box")).to_have_count(0)
    expect(second_question.option(mine.code)).to_be_checked()
    stored = Answer.objects.get(assessment=draft, item_code=item.code)
    assert (stored.value, stored.version) == (mine.code, 2)
    page.reload()
    first_question.assert_shows(mine.code)


def test_network_none_hides_device_networking_and_another_option_shows_it(page, owner, draft):
    spec = get_spec(draft.spec_key)
    network = spec.items["network"]
    assert "none" in network.option_index and network.option_index["none"].exclusive
    sign_in(page, owner)
    page.goto(f"/assessments/{draft.pk}/fill/")
    question = Question(page, network)
    follow_up = page.locator("#w-device-networking")
    expect(follow_up).to_be_hidden()  # asked only once the network question says there is a network

    question.save(question.label("workshop-control").click)
    expect(follow_up).to_be_visible()

    question.save(question.label("none").click)
    expect(follow_up).to_be_hidden()
    expect(question.option("workshop-control")).not_to_be_checked()  # "以上均无" excludes the others
    assert Answer.objects.get(assessment=draft, item_code="network").value == ["none"]
    page.reload()  # the server renders it hidden too
    expect(follow_up).to_be_hidden()

    question.save(question.label("enterprise-network").click)
    expect(follow_up).to_be_visible()
    expect(question.option("none")).not_to_be_checked()  # …and the others exclude it
    assert Answer.objects.get(assessment=draft, item_code="network").value == ["enterprise-network"]


# --- regressions: typing a ratio field by field; a click while a save is in flight -------------


def test_a_ratio_typed_field_after_field_is_saved(page, owner, draft):
    spec = get_spec(draft.spec_key)
    question = Question(page, spec.items["device-digitisation"])
    sign_in(page, owner)
    page.goto(f"/assessments/{draft.pk}/fill/")
    with page.expect_response(re.compile(r"/answer/$")):
        question.form.locator("input[name=numerator]").fill("30")
        question.form.locator("input[name=numerator]").press("Tab")
    # What a user sees now is what they fill in next: the denominator, then Tab.
    with page.expect_response(re.compile(r"/answer/$")):
        question.form.locator("input[name=denominator]").fill("40")
        question.form.locator("input[name=denominator]").press("Tab")
    assert Answer.objects.filter(assessment=draft, item_code="device-digitisation").exists(), \
        question.form.locator(".q-status").inner_text()


def test_a_second_option_clicked_while_the_first_save_is_in_flight_is_kept(page, owner, draft):
    spec = get_spec(draft.spec_key)
    question = Question(page, spec.items["network"])
    sign_in(page, owner)
    page.goto(f"/assessments/{draft.pk}/fill/")
    # Count the saves sent and answered (a save htmx queued is sent in the same task that ends the
    # previous one, so "all answered" after the first response means no second save is coming).
    page.evaluate("""() => {
        window.saves = {sent: 0, answered: 0};
        const isSave = (event) => event.detail.requestConfig.path.endsWith("/answer/");
        const count = (key) => (event) => { if (isSave(event)) window.saves[key] += 1; };
        document.body.addEventListener("htmx:beforeRequest", count("sent"));
        document.body.addEventListener("htmx:afterRequest", count("answered"));
    }""")
    held = []

    def hold_the_first_save(route):  # until the second click; later saves pass
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route(re.compile(r"/answer/$"), hold_the_first_save)
    question.label("workshop-control").click()
    _wait_until(page, lambda: held)
    question.label("enterprise-network").click()
    held[0].continue_()
    expect(question.form.locator(".q-status .saved")).to_be_visible()
    page.wait_for_function("() => window.saves.answered === window.saves.sent")
    assert Answer.objects.get(assessment=draft, item_code="network").value == \
        ["workshop-control", "enterprise-network"]


def test_a_lost_connection_keeps_the_answer_in_the_page_and_retries(page, page_guard, owner, draft):
    spec = get_spec(draft.spec_key)
    question = Question(page, spec.items["network"])
    sign_in(page, owner)
    page.goto(f"/assessments/{draft.pk}/fill/")
    page_guard.allow(r"answer/|ERR_FAILED|ERR_INTERNET_DISCONNECTED|net::|htmx:sendError|htmx:afterRequest")
    dropped = []

    def drop_the_first_attempts(route):  # the network is down for two attempts, then back
        if len(dropped) < 2:
            dropped.append(route.request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route(re.compile(r"/answer/$"), drop_the_first_attempts)
    question.label("enterprise-network").click()
    # While offline the page says so and the ticked box stays ticked.
    expect(page.locator("#save-state.error")).to_be_visible()
    expect(question.option("enterprise-network")).to_be_checked()
    # The retry (with back-off) gets through once the network is back: saved, and the warning goes.
    expect(question.form.locator(".q-status .saved")).to_be_visible(timeout=20_000)
    expect(page.locator("#save-state.error")).to_have_count(0)
    assert len(dropped) == 2
    assert Answer.objects.get(assessment=draft, item_code="network").value == ["enterprise-network"]


def test_an_answer_given_before_the_scripts_ran_is_saved(page, owner, draft):
    """The page takes clicks before its deferred scripts have run (slow under load): the answer
    given then is saved once htmx has taken over the page."""
    spec = get_spec(draft.spec_key)
    question = Question(page, spec.items["it-coverage"])
    sign_in(page, owner)
    held = []
    page.route(re.compile(r"/static/vendor/htmx-[\d.]+\.min\.js$"), lambda route: held.append(route))
    # DOMContentLoaded waits for the deferred scripts, so only the navigation's commit is awaited.
    page.goto(f"/assessments/{draft.pk}/fill/", wait_until="commit")
    _wait_until(page, lambda: held)  # htmx is requested, and held: the page shows without it
    question.label("one").click()
    held[0].continue_()
    expect(question.form.locator(".q-status .saved")).to_be_visible()
    expect(question.option("one")).to_be_checked()
    stored = Answer.objects.get(assessment=draft, item_code="it-coverage")
    assert (stored.value, stored.version) == ("one", 1)
