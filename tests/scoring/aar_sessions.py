"""Short Market Day sessions shared by the report and cohort tests (made once per run).

Each is a real session folder written by ``run_session``, cut short but long enough to
hold the decisions the tests need:

* ``reckless`` (400 ticks): releases without PID, estimate or approval; failed rule
  checks; civilians harmed. Its trainee's name holds HTML, to prove autoescaping.
* ``expert`` (660 ticks): classification, PID, estimate, approval, release, effect.
* ``by-the-book`` (400 ticks): estimates and an abort (hold).
"""

from __future__ import annotations

import html.parser
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
MARKET_DAY = REPO_ROOT / "scenarios" / "market_day.yaml"
SESSIONS = {
    "reckless": (400, {"name": '<b>Ann</b> & "Co" <script>x</script>', "unit": "1st <Coy>"}),
    "expert": (660, {"name": "Amina K.", "unit": "2nd Company"}),
    "by-the-book": (400, {"name": "Jonas P.", "unit": "2nd Company"}),
}
_made: dict[str, Path] = {}


def session_folder(tmp_path_factory, name: str) -> Path:
    """The folder of one short session (made on first use, then reused)."""
    if name not in _made:
        from simulator.policies import make_policy
        from simulator.scenario import load_scenario_file
        from simulator.session import run_session

        ticks, trainee = SESSIONS[name]
        out = tmp_path_factory.mktemp(f"session-{name}")
        run_session(
            load_scenario_file(MARKET_DAY),
            seed=1,
            policy=make_policy(name),
            out_dir=out,
            ticks=ticks,
            trainee=trainee,
        )
        _made[name] = out
    return _made[name]


class Elements(html.parser.HTMLParser):
    """Collects, from an HTML page, the elements that carry data-* attributes and the
    attributes that could reach the network (src, href)."""

    def __init__(self) -> None:
        super().__init__()
        self.commands: list[tuple[int, str]] = []
        self.articles: list[tuple[int, str]] = []
        self.scores: dict[str, str] = {}
        self.links: list[str] = []
        self.tags: set[str] = set()
        self._score: str | None = None
        self._in_value = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.add(tag)
        for key in ("src", "href"):
            if attributes.get(key) is not None:
                self.links.append(attributes[key])
        if "data-tick" in attributes and "data-kind" in attributes:
            item = (int(attributes["data-tick"]), attributes["data-kind"])
            self.commands.append(item)
            if tag == "article":
                self.articles.append(item)
        if "data-score" in attributes and tag == "div":
            self._score = attributes["data-score"]
        if self._score and attributes.get("class") == "value":
            self._in_value = True

    def handle_data(self, data):
        if self._in_value and self._score:
            self.scores[self._score] = data.strip()
            self._in_value = False
            self._score = None


def parse(page: str) -> Elements:
    """The elements of a page (see :class:`Elements`)."""
    parser = Elements()
    parser.feed(page)
    return parser
