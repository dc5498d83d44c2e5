"""Downloads with one set of failures: every way a request fails becomes a DownloadError."""

from __future__ import annotations

import requests

from geodata.errors import DownloadError


def get(
    url: str,
    *,
    timeout: float,
    service: str,
    fallback: str,
    session: requests.Session | None = None,
) -> requests.Response:
    """GET a URL, turning timeouts, unreachable hosts and HTTP errors into messages.

    Parameters
    ----------
    url : str
    timeout : float
        Seconds to wait for the answer.
    service : str
        What is being asked, for messages ("The boundary service", "Nomis").
    fallback : str
        What the user can do instead, ending each fix ("load a boundary file instead").
    session : requests.Session, optional

    Returns
    -------
    requests.Response
        An answer with status 200.

    Raises
    ------
    DownloadError
        For a timeout, a connection failure or any other status.
    """
    try:
        response = (session or requests).get(url, timeout=timeout)
    except requests.Timeout as exc:
        raise DownloadError(
            f"{service} did not answer within {timeout:g} seconds.",
            source=url,
            fix=f"Retry later, raise ATLAS_HTTP_TIMEOUT, or {fallback}.",
        ) from exc
    except requests.RequestException as exc:
        raise DownloadError(
            f"{service} could not be reached ({type(exc).__name__}).",
            source=url,
            fix=f"Check the network connection or proxy, or {fallback}.",
        ) from exc
    if response.status_code != 200:
        raise DownloadError(
            f"{service} answered HTTP {response.status_code}.",
            source=url,
            fix=f"Retry later; if it persists, check the URL, or {fallback}.",
        )
    return response
