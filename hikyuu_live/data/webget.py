"""The one HTTP GET of the web sources (TDX's holiday page, the bond yield, Eastmoney's boards): a timeout,
retries only of what may succeed on a second try, and errors that fit one log line."""

from __future__ import annotations

import urllib3
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from hikyuu_live.errors import SourceError, SourceUnavailable, is_retryable


class WebSourceError(SourceError):
    """A web source answered with something that is not its format (or not at all); ``retryable`` when it
    could not be reached or answered a server error, so that a second try may succeed."""


class WebSourceUnreachable(WebSourceError, SourceUnavailable):
    """No answer at all (no network, name not resolved, refused, timed out)."""


@retry(retry=retry_if_exception(is_retryable), stop=stop_after_attempt(3),
       wait=wait_exponential(multiplier=0.5, max=4.0), reraise=True)
def http_get(http: urllib3.PoolManager, url: str, fields: dict[str, str] | None, timeout_s: float) -> bytes:
    """One GET, tried up to three times when the failure is retryable (unreachable, timeout, 5xx, 429);
    the error names the host only (the whole URL with its query is noise in a log line)."""
    host = urllib3.util.parse_url(url).host or url
    try:
        r = http.request("GET", url, fields=fields, timeout=urllib3.Timeout(total=timeout_s), retries=False)
    except urllib3.exceptions.HTTPError as e:
        raise WebSourceUnreachable(f"{host} unreachable ({type(e).__name__})", retryable=True) from e
    if r.status != 200:
        raise WebSourceError(f"{host}: HTTP {r.status}", retryable=r.status >= 500 or r.status == 429)
    return bytes(r.data)


__all__ = ["WebSourceError", "WebSourceUnreachable", "http_get"]
