"""Stored responses as a standard WARC file, for web archivists and replay tools."""

import json
from http import HTTPStatus
from io import BytesIO
from pathlib import Path

from sqlite_utils import Database
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler import __version__
from crawler.archive.rows import page_body

# Scrapy hands us decoded bodies, so these headers would describe bytes we don't have.
TRANSPORT_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


def write_warc(db: Database, out_path: Path) -> int:
    """Write one `response` record per stored page (after a warcinfo record); return the count."""
    count = 0
    with open(out_path, "wb") as output:
        writer = WARCWriter(output, gzip=str(out_path).endswith(".gz"))
        writer.write_record(
            writer.create_warcinfo_record(
                out_path.name, {"software": f"Pantau/{__version__}", "format": "WARC/1.0"}
            )
        )
        for page in db.query("select id from pages order by fetched_at, id"):
            row = db.table("pages").get(page["id"])
            body = page_body(row)
            headers = [
                (name, value)
                for name, value in json.loads(row["headers"] or "{}").items()
                if name.lower() not in TRANSPORT_HEADERS
            ]
            headers.append(("Content-Length", str(len(body))))
            status = f"{row['status']} {_reason(row['status'])}"
            record = writer.create_warc_record(
                row["url"],
                "response",
                payload=BytesIO(body),
                length=len(body),
                http_headers=StatusAndHeaders(status, headers, protocol="HTTP/1.1"),
                warc_headers_dict={"WARC-Date": row["fetched_at"]},
            )
            writer.write_record(record)
            count += 1
    return count


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
