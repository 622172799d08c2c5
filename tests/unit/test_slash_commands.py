"""`/incident …` text as Slack sends it, parsed into a command or a mistake to explain (alerting.slash_commands)."""

import pytest

from flare.alerting.slash_commands import (
    MAX_TITLE,
    USAGE,
    Declare,
    Help,
    Mistake,
    Resolve,
    Status,
    Update,
    parse,
    reference,
    unescape,
)

# ---- declare ----------------------------------------------------------------------------------------------


def test_declare_takes_the_rest_as_the_title():
    assert parse("declare Checkout is returning 502s") == Declare("Checkout is returning 502s", None, ())


def test_declare_reads_severity_and_services():
    command = parse("declare Checkout down sev:critical service:checkout service:payments")
    assert command == Declare("Checkout down", "critical", ("checkout", "payments"))


@pytest.mark.parametrize(
    "text",
    [
        "declare sev:major service:checkout Checkout down",
        "declare Checkout sev:major down service:checkout",
        "declare service:checkout Checkout down sev:major",
        "declare   Checkout    down   SEV:MAJOR   Service:checkout  ",
    ],
)
def test_declare_options_may_go_anywhere(text):
    assert parse(text) == Declare("Checkout down", "major", ("checkout",))


def test_declare_accepts_severity_as_the_long_option_name():
    assert parse("declare Down severity:low").severity == "low"


@pytest.mark.parametrize(
    ("given", "expected"), [("P1", "critical"), ("sev2", "major"), ("critical", "critical"), ("3", "minor")]
)
def test_declare_severity_aliases(given, expected):
    assert parse(f"declare Checkout down sev:{given}").severity == expected


@pytest.mark.parametrize(
    "text",
    [
        'declare Checkout down service:"Checkout API" service:payments',
        "declare Checkout down service:“Checkout API” service:payments",  # Slack's smart quotes
    ],
)
def test_declare_quoted_service_names_may_hold_spaces(text):
    assert parse(text) == Declare("Checkout down", None, ("Checkout API", "payments"))


def test_declare_names_a_repeated_service_once():
    assert parse("declare Down service:checkout service:checkout").services == ("checkout",)


def test_declare_with_a_bad_severity_is_a_mistake_naming_it():
    command = parse("declare Checkout down sev:apocalyptic")
    assert isinstance(command, Mistake)
    assert "`apocalyptic`" in command.reason
    assert "critical" in command.reason  # the accepted severities


def test_declare_with_an_empty_quoted_service_is_a_mistake():
    assert isinstance(parse('declare Checkout down service:""'), Mistake)


@pytest.mark.parametrize("text", ["declare", "declare   ", "declare sev:major", "declare service:checkout sev:P1"])
def test_declare_without_a_title_is_a_mistake(text):
    command = parse(text)
    assert isinstance(command, Mistake)
    assert "title" in command.reason


def test_declare_title_at_most_255_characters():
    assert parse("declare " + "x" * MAX_TITLE) == Declare("x" * MAX_TITLE, None, ())
    command = parse("declare " + "x" * (MAX_TITLE + 1))
    assert isinstance(command, Mistake)
    assert "256" in command.reason and "255" in command.reason


def test_declare_undoes_slacks_html_escaping_in_the_title():
    command = parse("declare R&amp;D &lt;script&gt; is down &amp;lt;literally&amp;gt;")
    assert command.title == "R&D <script> is down &lt;literally&gt;"


@pytest.mark.parametrize(
    "title",
    ["🔥 Checkout on fire 🚒", "決済が落ちています", "התשלומים לא עובדים", "Ça «marche» pas — 'quotes' \"too\""],
)
def test_declare_keeps_unicode_and_punctuation_in_the_title(title):
    assert parse(f"declare {title} sev:major").title == title


def test_verbs_are_case_insensitive():
    assert parse("DECLARE Down") == Declare("Down", None, ())
    assert parse("Status") == Status()


# ---- update -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["investigating", "identified", "monitoring"])
def test_update_with_a_status(status):
    assert parse(f"update INC-7 {status} Bad deploy, rolling back") == Update(
        "INC-7", status, "Bad deploy, rolling back"
    )


def test_update_status_is_case_insensitive():
    assert parse("update INC-7 Identified Bad deploy").status == "identified"


def test_update_without_a_status_is_a_note():
    assert parse("update INC-7 Still looking") == Update("INC-7", None, "Still looking")


def test_update_resolved_is_not_a_status_but_part_of_the_note():
    assert parse("update INC-7 resolved the DNS record") == Update("INC-7", None, "resolved the DNS record")


@pytest.mark.parametrize(
    "text", ["update INC-7", "update INC-7   ", "update INC-7 monitoring", "update INC-7 identified  "]
)
def test_update_without_text_is_a_mistake(text):
    command = parse(text)
    assert isinstance(command, Mistake)
    assert "INC-7" in command.reason  # the example names the incident


@pytest.mark.parametrize("text", ["update", "update Bad deploy", "update INC-0 fixed", "update INC-x fixed"])
def test_update_without_a_good_reference_is_a_mistake(text):
    command = parse(text)
    assert isinstance(command, Mistake)
    assert "update INC-42" in command.reason


def test_update_keeps_newlines_and_unicode_in_the_text():
    assert parse("update INC-7 line one 🔥\nline two &lt;b&gt;").text == "line one 🔥\nline two <b>"


# ---- resolve ----------------------------------------------------------------------------------------------


def test_resolve_with_text():
    assert parse("resolve INC-7 Rolled back") == Resolve("INC-7", "Rolled back")


def test_resolve_without_text():
    assert parse("resolve INC-7") == Resolve("INC-7", None)
    assert parse("resolve INC-7    ") == Resolve("INC-7", None)


@pytest.mark.parametrize("text", ["resolve", "resolve Rolled back", "resolve INC-", "resolve #7"])
def test_resolve_without_a_good_reference_is_a_mistake(text):
    command = parse(text)
    assert isinstance(command, Mistake)
    assert "resolve INC-42" in command.reason


# ---- references -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"), [("INC-7", "INC-7"), ("inc-7", "INC-7"), ("7", "INC-7"), ("Inc-42", "INC-42")]
)
def test_references_in_any_spelling(given, expected):
    assert reference(given) == expected
    assert parse(f"resolve {given}") == Resolve(expected, None)


@pytest.mark.parametrize(
    "given", ["INC-0", "0", "INC-07", "INC7", "INC-1.5", "-1", "inc_01KAQ60000000000000000000A", ""]
)
def test_not_references(given):
    assert reference(given) is None


# ---- status, help, mistakes -------------------------------------------------------------------------------


def test_status():
    assert parse("status") == Status()


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP", "help me please", None])
def test_empty_text_and_help_are_help(text):
    assert parse(text) == Help()


def test_an_unknown_verb_is_a_mistake_naming_it():
    command = parse("delcare Checkout down")
    assert command == Mistake("I don't know `delcare`.")


def test_backticks_in_an_unknown_verb_do_not_break_the_reply():
    command = parse("`rm`-rf")
    assert isinstance(command, Mistake)
    assert command.reason.count("`") == 2  # only the pair around the verb
    assert "'rm'-rf" in command.reason


def test_a_long_unknown_verb_is_shortened_in_the_reply():
    command = parse("x" * 500)
    assert isinstance(command, Mistake)
    assert len(command.reason) < 100


def test_unescape_undoes_amp_last():
    assert unescape("&amp;lt; &lt; &gt; &amp;") == "&lt; < > &"


def test_usage_lists_every_command():
    for verb in ("declare", "update", "resolve", "status", "help"):
        assert f"/incident {verb}" in USAGE


# ---- bugs -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("update INC-7\nRolled back", Update("INC-7", None, "Rolled back")),
        ("update INC-7 identified\nBad deploy", Update("INC-7", "identified", "Bad deploy")),
        ("resolve INC-7\nRolled back", Resolve("INC-7", "Rolled back")),
        ("declare\tCheckout down", Declare("Checkout down", None, ())),
    ],
)
def test_any_whitespace_separates_words(text, expected):
    assert parse(text) == expected
