"""Stream a stored call's recording with HTTP Range support. The path comes from the
database row, never from the request."""
from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from fastapi import Request
from fastapi.responses import Response, StreamingResponse

CHUNK = 64 * 1024
RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


def stream_file(path: Path, request: Request) -> Response:
    size = path.stat().st_size
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix.lower() == ".wav":
        media = "audio/wav"
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, max-age=3600"}
    start, end, status = 0, size - 1, 200
    header = request.headers.get("range")
    if header:
        m = RANGE.match(header.strip())
        if not m or (not m.group(1) and not m.group(2)):
            return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
        if m.group(1):
            start = int(m.group(1))
            end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
        else:  # suffix range: the last N bytes
            start = max(0, size - int(m.group(2)))
        if start > end or start >= size:
            return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(end - start + 1)

    def body():
        with path.open("rb") as f:
            f.seek(start)
            left = end - start + 1
            while left > 0:
                data = f.read(min(CHUNK, left))
                if not data:
                    break
                left -= len(data)
                yield data

    return StreamingResponse(body(), status_code=status, media_type=media, headers=headers)
