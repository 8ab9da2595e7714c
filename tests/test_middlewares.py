from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from crawler.middlewares import retry_after_seconds


def test_retry_after_seconds():
    assert retry_after_seconds(b"120") == 120
    assert retry_after_seconds("0") == 0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds(b"soon") is None


def test_retry_after_http_date():
    later = datetime.now(timezone.utc) + timedelta(seconds=90)
    assert 80 <= retry_after_seconds(format_datetime(later, usegmt=True)) <= 90
    earlier = datetime.now(timezone.utc) - timedelta(seconds=90)
    assert retry_after_seconds(format_datetime(earlier, usegmt=True)) == 0
