"""A keyboard walk and axe-core on every page of the site map (issue 18, « Done when »), in one Chromium session.

For each page — public pages on the computed demo; partner, moderator and
administrator pages on the contribution database, logged in through the login
form — the test presses Tab (real key events) through the whole page and
checks, from a ``focusin`` log kept by the page:

- the first stop is « Aller au contenu », and following it (Enter, then Tab)
  puts the focus in the main content;
- every link of the main navigation and at least one element of ``<main>`` get
  the focus; every tabbable element is reached;
- every focused element shows a focus indicator (computed outline style not
  ``none``, width ≥ 2 px);
- no keyboard trap: after the last element, Tab comes back to the first one;
- where there is a map, « Passer la carte » moves the focus to its end.

Then axe-core (WCAG 2.1 A/AA) runs on the page; every violation is reported.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.catalog.contrib import PASSWORD, contrib_app, contrib_settings, contrib_template  # noqa: F401
from tests.web.browser import (  # noqa: F401
    BROWSER_MARKS,
    axe_violations,
    browser,
    demo_live_server,
    describe_violations,
    live,
    wait,
)

pytestmark = BROWSER_MARKS

#: Marks every tabbable element (DOM order, what Tab visits without positive tabindex) and logs each focus.
INSTALL_JS = """
const tabbables = Array.from(document.querySelectorAll(
    'a[href], area[href], button, input, select, textarea, summary, [tabindex], [contenteditable], '
    + '.leaflet-interactive'))
  // checkVisibility: not display:none, nor inside a closed <details> (content-visibility), nor visibility:hidden.
  // Leaflet's interactive SVG shapes are Tab stops in Chromium although their tabIndex reads -1.
  .filter(el => (el.tabIndex >= 0 || el instanceof SVGElement) && !el.disabled && !el.closest('[inert]')
                && el.checkVisibility({contentVisibilityAuto: true, visibilityProperty: true}))
  // A group of radio buttons is one Tab stop (arrows move inside it): its checked button, or its first.
  .filter((el, _, all) => {
    if (el.type !== 'radio' || !el.name) return true;
    const group = all.filter(o => o.type === 'radio' && o.name === el.name && o.form === el.form);
    return el === (group.find(o => o.checked) || group[0]);
  });
tabbables.forEach((el, i) => el.setAttribute('data-walk', i));
window.__walk = [];
document.addEventListener('focusin', e => {
  const el = e.target, s = getComputedStyle(el);
  window.__walk.push({i: el.hasAttribute('data-walk') ? Number(el.dataset.walk) : -1,
    main: !!el.closest('main'), nav: !!el.closest('nav[aria-label="Navigation principale"]'),
    outline: s.outlineStyle, width: parseFloat(s.outlineWidth) || 0,
    what: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '')
          + ' « ' + (el.getAttribute('aria-label') || el.textContent || el.value || '').trim().slice(0, 40) + ' »'});
}, true);
const nav = Array.from(document.querySelectorAll('nav[aria-label="Navigation principale"] a[href]'))
  .map(a => Number(a.dataset.walk));
const inMain = tabbables.filter(el => el.closest('main')).length;
return [tabbables.length, nav, inMain];
"""

#: Public pages, on the computed demo ({offer} and {site} are filled with demo ids). The carte is walked on one
#: commune: the whole département's carte has ~1 300 Tab stops (one per marker), a minute of key presses
#: for the same template (axe-core checks the whole one in test_axe).
PUBLIC = ["/", "/carte?commune=96001", "/trouver", "/accessibilite", "/commune/96001", "/offre/{offer}", "/site/{site}",
          "/rapports", "/declaration-accessibilite", "/mentions-legales", "/donnees-personnelles", "/plan-du-site",
          "/connexion", "/mot-de-passe/oubli"]
#: Pages behind a login, on the contribution database: (account, pages).
LOGGED_IN = [
    ("ml", ["/espace/", "/espace/structure/test--ml", "/espace/lieu/test--num-1/modifier", "/espace/lieu/nouveau",
            "/espace/demande/{rev}", "/espace/lieu/test--num-1/historique", "/espace/a-verifier", "/espace/import"]),
    ("modo1", ["/moderation/", "/moderation/a-verifier", "/scenarios/"]),
    ("admin", ["/admin/parametres/", "/admin/identite", "/recalcul"]),
]


def _load(driver, url: str) -> None:
    driver.get(url)
    wait(driver, lambda d: d.execute_script("return document.readyState") == "complete")
    if driver.find_elements("css selector", ".map-wrap"):  # let Leaflet draw its focusable layers (fetched)
        wait(driver, lambda d: d.find_elements("css selector", ".leaflet-container"))
        counts = []

        def settled(d) -> bool:
            counts.append(d.execute_script("return document.querySelectorAll('.leaflet-interactive').length"))
            return len(counts) >= 3 and counts[-1] == counts[-2] == counts[-3]

        wait(driver, settled, timeout=15)


def _wrapped(log: list[dict], n: int) -> bool:
    """Did the walk reach the last of the ``n`` elements, then come back to the first?"""
    order = [entry["i"] for entry in log]
    return n - 1 in order and 0 in order[order.index(n - 1) + 1:]


def _walk(driver, path: str) -> list[str]:
    """The keyboard walk of the loaded page; the problems found (empty: none)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    problems = []
    n, nav, in_main = driver.execute_script(INSTALL_JS)
    if n == 0:
        return ["aucun élément atteignable au clavier"]
    # From the freshly loaded page's start, by chunks, until the focus came back to the first element
    # (a map may take an extra Tab or two while it redraws): at most twice the number of elements.
    budget, log = 2 * n + 10, []
    while budget > 0 and not _wrapped(log, n):
        chunk = min(budget, max(20, n + 2 - len(log)))
        ActionChains(driver).send_keys(Keys.TAB * chunk).perform()
        budget -= chunk
        log = driver.execute_script("return window.__walk")
    if not log or log[0]["i"] != 0 or "Aller au contenu" not in log[0]["what"]:
        problems.append(f"le premier arrêt n'est pas « Aller au contenu » : {log[:1]}")
    seen = {entry["i"] for entry in log}
    missing = sorted(set(range(n)) - seen)
    if missing:
        names = driver.execute_script("return arguments[0].map(i => { const el = document.querySelector("
                                      "`[data-walk=\"${i}\"]`); return el.tagName.toLowerCase() + ' « ' + "
                                      "(el.getAttribute('aria-label') || el.textContent || el.name || '').trim()"
                                      ".slice(0, 30) + ' »'; })", missing[:5])
        problems.append(f"{len(missing)} élément(s) jamais atteint(s) au clavier, dont {names}")
    if missing_nav := [i for i in nav if i not in seen]:
        problems.append(f"liens de la navigation principale jamais atteints : {missing_nav}")
    if in_main and not any(entry["main"] for entry in log):
        problems.append("le focus n'atteint jamais le contenu principal")
    invisible = [e["what"] for e in log if e["outline"] in ("none", "") or e["width"] < 2]
    if invisible:
        problems.append(f"focus invisible (pas de contour) sur {len(invisible)} élément(s) : {invisible[:3]}")
    # No trap: the last element is reached, then Tab comes back to the first one.
    if not _wrapped(log, n):
        problems.append(f"piège au clavier ? après {2 * n + 10} tabulations, le focus n'est pas revenu au début "
                        f"(derniers arrêts : {[e['what'] for e in log[-3:]]})")

    # « Aller au contenu » (the first stop, checked above): Enter, then Tab lands inside <main>.
    driver.execute_script("const a = document.querySelector('a.skip'); a && a.focus();")
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    if driver.execute_script("return location.hash") != "#contenu":
        problems.append("« Aller au contenu » ne mène pas à #contenu")
    else:
        ActionChains(driver).send_keys(Keys.TAB).perform()
        if in_main and not driver.execute_script("return !!document.activeElement.closest('main')"):
            problems.append("« Aller au contenu » suivi de Tab ne mène pas dans le contenu principal")

    # « Passer la carte »: Enter moves the focus to the end of the map.
    for skip in driver.find_elements("css selector", "a.map-skip"):
        driver.execute_script("arguments[0].focus()", skip)
        ActionChains(driver).send_keys(Keys.ENTER).perform()
        target = skip.get_attribute("href").split("#", 1)[1]
        if driver.execute_script("return document.activeElement.id") != target:
            problems.append(f"« Passer la carte » ne mène pas à #{target}")
    return problems


def _check(driver, url: str, path: str, found: dict) -> None:
    _load(driver, url)
    # The page itself, not the login page it would redirect to.
    assert urlsplit(driver.current_url).path == urlsplit(url).path, (path, driver.current_url)
    problems = _walk(driver, path)
    if violations := axe_violations(driver):
        problems.append("axe-core :\n" + describe_violations(violations))
    if problems:
        found[path] = problems


def _login(driver, base: str, name: str) -> None:
    driver.delete_all_cookies()
    _load(driver, f"{base}/connexion")
    driver.find_element("id", "email").send_keys(f"{name}@example.org")
    driver.find_element("id", "password").send_keys(PASSWORD)
    driver.find_element("css selector", "form.stack button[type=submit]").click()
    wait(driver, lambda d: "/connexion" not in d.current_url)


def _demo_ids(env) -> dict:
    from sqlalchemy import create_engine, text

    from mapapp.config import load_settings

    engine = create_engine(load_settings(env).database_url)
    with engine.connect() as conn:
        offer = conn.execute(text("SELECT offer_id FROM offer_site GROUP BY offer_id ORDER BY offer_id LIMIT 1")).scalar()
        site = conn.execute(text("SELECT site_id FROM offer_site GROUP BY site_id ORDER BY count(*) DESC, site_id "
                                 "LIMIT 1")).scalar()
    engine.dispose()
    return {"offer": offer, "site": site}


def _draft(settings) -> int:
    """A partner's draft, for the request page."""
    from mapapp.catalog.db import make_engine, make_sessionmaker, transaction
    from mapapp.catalog.history import record_to_data
    from mapapp.catalog.models import Site
    from mapapp.catalog.moderation import save_draft
    from mapapp.catalog.users import get_user_by_email

    engine = make_engine(settings.database_url)
    try:
        with transaction(make_sessionmaker(engine)) as s:
            data = {**record_to_data(s.get(Site, "test--num-1"), "sites"), "nom": "Point numérique rénové"}
            return save_draft(s, get_user_by_email(s, "ml@example.org"), "sites", data).id
    finally:
        engine.dispose()


def test_keyboard_walk_and_axe_on_every_page(demo_computed, demo_live_server, contrib_app, contrib_settings, browser):
    found: dict[str, list[str]] = {}
    ids = _demo_ids(demo_computed[0])
    for path in PUBLIC:
        path = path.format(**ids)
        _check(browser, demo_live_server + path, path, found)
    ids = {"rev": _draft(contrib_settings)}
    with live(contrib_app) as base:
        for account, paths in LOGGED_IN:
            _login(browser, base, account)
            for path in paths:
                path = path.format(**ids)
                _check(browser, base + path, f"{path} ({account})", found)
    assert not found, "\n".join(f"{path} :\n  " + "\n  ".join(problems) for path, problems in found.items())


@pytest.fixture
def static_page(browser):
    """Load an HTML text in the browser, served over HTTP (fragment links behave as on the site)."""
    from flask import Flask

    pages = {}
    app = Flask(__name__)
    app.add_url_rule("/", view_func=lambda: pages["html"])
    with live(app) as base:
        def show(html: str):
            pages["html"] = html
            _load(browser, base + "/")
        yield show


def test_the_walk_detects_a_keyboard_trap_and_an_invisible_focus(browser, static_page):
    """The harness itself: a page whose focus is hidden and trapped in a field fails (so a pass means something)."""
    static_page("<html lang=fr><title>t</title><style>*:focus{outline:none}</style>"
                "<a href='#contenu' class=skip>Aller au contenu</a><nav aria-label='Navigation principale'>"
                "<a href='#a'>A</a></nav><main id=contenu><input id=trap>"
                "<script>document.getElementById('trap').addEventListener('keydown', e => { if (e.key === 'Tab') "
                "e.preventDefault(); });</script><a href='#b'>B</a></main></html>")
    problems = " ".join(_walk(browser, "piège"))
    assert "focus invisible" in problems and "piège au clavier" in problems and "jamais atteint" in problems


def test_the_walk_passes_a_plain_accessible_page(browser, static_page):
    static_page("<html lang=fr><title>t</title><style>:focus{outline:3px solid blue}</style>"
                "<a href='#contenu' class=skip>Aller au contenu</a><nav aria-label='Navigation principale'>"
                "<a href='#a'>A</a> <a href='#b'>B</a></nav><main id=contenu><p>Texte <a href='#c'>C</a></p>"
                "<button>D</button></main><footer><a href='#e'>E</a></footer></html>")
    assert _walk(browser, "simple") == []
