"""Logging filter: caller numbers and device ids (IMEI/IMSI) never reach the logs.

Any run of 8 or more digits (optionally with a leading +) is replaced: phone numbers, IMEI (15),
IMSI (15) all match; coordinates and ids shorter than that do not.
"""

from __future__ import annotations

import logging
import re

_LONG_NUMBER = re.compile(r"\+?\d[\d -]{6,}\d")


def redact(text: str) -> str:
    return _LONG_NUMBER.sub(
        lambda m: "[redacted]" if sum(c.isdigit() for c in m.group()) >= 8 else m.group(), text
    )


class RedactNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
