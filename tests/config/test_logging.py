import logging

from config.logfilters import RedactNumbers, redact


def test_numbers_and_device_ids_are_redacted():
    assert redact("call from +6281234567890 imei 353472104343540") == (
        "call from [redacted] imei [redacted]"
    )
    assert redact("0812-3456-7890 called") == "[redacted] called"


def test_short_numbers_and_coordinates_survive():
    text = "incident 4512 at 0.514001,101.444994 took 35 s"
    assert redact(text) == text


def test_the_filter_rewrites_formatted_records(caplog):
    logger = logging.getLogger("siaga.test")
    logger.addFilter(RedactNumbers())
    with caplog.at_level(logging.INFO, logger="siaga.test"):
        logger.info("caller %s on line %d", "+6281234567890", 3)
    assert caplog.records[0].getMessage() == "caller [redacted] on line 3"
    assert "6281234567890" not in caplog.text
