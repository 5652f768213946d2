"""axe-core (bundled by axe-playwright-python: nothing fetched) over a page: the violations people would be stopped by."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

BLOCKING = {"serious", "critical"}  # axe's two worst impacts: a screen-reader, keyboard or low-vision user is stopped
# WCAG 2.1 A and AA, the standard the issue holds us to (best-practice rules are advice, not failures).
OPTIONS = {"resultTypes": ["violations"], "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}

_axe = Axe()


def serious_violations(page, context: str | dict | None = None) -> list[str]:
    """Each serious or critical violation on the page: rule, impact, what it means, and the first elements it names."""
    response = _axe.run(page, context=context, options=OPTIONS).response
    found = []
    for violation in response["violations"]:
        if violation.get("impact") in BLOCKING:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
            first = violation["nodes"][0] if violation["nodes"] else {}
            why = "; ".join(check.get("message", "") for check in first.get("any", [])[:1])
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}"
                         + (f" ({why})" if why else "") + f"; {first.get('html', '')[:200]}")
    return found
