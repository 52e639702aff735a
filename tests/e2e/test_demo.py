"""End-to-end: the app opens on the demo workspace, lists real conversations synced from the
in-process simulator, opens one, moves by keyboard, and renders customer content as text."""

import json
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from conftest import SHOTS


def invoke(drv, cmd, args=None):
    """Calls a Tauri command from the page, as ipc.ts does, and returns its result."""
    return drv.execute_async_script(
        """
        const [cmd, args, done] = arguments;
        window.__TAURI_INTERNALS__.invoke(cmd, args || {})
          .then(r => done({ ok: r }), e => done({ err: e }));
        """,
        cmd,
        args,
    )


def rows(drv):
    return drv.find_elements(By.CSS_SELECTOR, "[data-testid=conv-row]")


def text_of(el):
    """The element's text content (WebKitWebDriver's visible text drops ellipsized spans)."""
    return (el.get_attribute("textContent") or "").strip()


def row_name(row):
    return text_of(row.find_element(By.CSS_SELECTOR, ".conv-row-name"))


def test_inbox_lists_synced_conversations(app):
    wait = WebDriverWait(app, 60, poll_frequency=0.25)
    wait.until(lambda d: len(rows(d)) > 0)
    count = app.find_element(By.CSS_SELECTOR, "[data-testid=tab-count-mine]").text
    assert int(count.replace(".", "")) > 0
    info = invoke(app, "app_info")["ok"]
    assert info["account"]["demo"] is True
    assert info["me"]["name"] and len(info["me"]["teams"]) == 2
    # The first row is a conversation the simulator knows.
    page = invoke(app, "inbox_page", {"tab": "mine", "offset": 0, "limit": 1})["ok"]
    assert page["total"] == int(count.replace(".", ""))
    assert page["items"][0]["contactName"] == row_name(rows(app)[0])
    wait.until(lambda d: "sincroniz" in text_of(d.find_element(By.CSS_SELECTOR, "[data-testid=status-bar]")).lower())


def test_opening_a_conversation_shows_its_messages(app):
    wait = WebDriverWait(app, 30, poll_frequency=0.25)
    wait.until(lambda d: len(rows(d)) > 1)
    second = rows(app)[1]
    name = row_name(second)
    second.click()
    wait.until(lambda d: text_of(d.find_element(By.CSS_SELECTOR, "[data-testid=conv-title]")) == name)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-testid=timeline] [data-testid^=msg-]")) > 0)
    app.save_screenshot(str(SHOTS / "conversation.png"))


def test_keyboard_moves_the_selection(app):
    wait = WebDriverWait(app, 30, poll_frequency=0.25)
    wait.until(lambda d: len(rows(d)) > 2)
    body = app.find_element(By.TAG_NAME, "body")
    selected = lambda d: [r.get_attribute("aria-selected") for r in rows(d)].index("true")
    before = selected(app)
    body.send_keys("j")
    wait.until(lambda d: selected(d) == before + 1)
    body.send_keys("k")
    wait.until(lambda d: selected(d) == before)
    body.send_keys(Keys.ENTER)


def test_customer_content_is_rendered_as_text(app):
    """A note with markup is written on the server; the app shows it literally."""
    info = invoke(app, "app_info")["ok"]
    base = info["account"]["baseUrl"]
    page = invoke(app, "inbox_page", {"tab": "mine", "offset": 0, "limit": 1})["ok"]
    session = page["items"][0]["id"]
    rows(app)[0].click()
    hostile = '<img src=x onerror="document.title=\'pwned\'"><b>negrito</b> javascript:alert(1)'
    req = urllib.request.Request(
        f"{base}/chat/v1/session/{session}/note",
        data=json.dumps({"text": hostile}).encode(),
        headers={"Authorization": "Bearer demo-token", "Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(req, timeout=10).read()
    # Opening a conversation pulls its notes; ask for it as the UI does on open.
    assert "ok" in invoke(app, "conversation_detail", {"sessionId": session})
    wait = WebDriverWait(app, 30, poll_frequency=0.25)
    note = wait.until(
        lambda d: next((n for n in d.find_elements(By.CSS_SELECTOR, "[data-testid=msg-note]") if "negrito" in text_of(n)), None)
    )
    assert "<b>negrito</b>" in text_of(note)
    assert note.find_elements(By.TAG_NAME, "img") == []
    assert note.find_elements(By.TAG_NAME, "b") == []
    assert all(not (a.get_attribute("href") or "").startswith("javascript:") for a in note.find_elements(By.TAG_NAME, "a"))
    assert app.title != "pwned"
    app.save_screenshot(str(SHOTS / "note-as-text.png"))


def test_a_message_typed_in_the_composer_is_delivered_once(app):
    """Enter queues the message: it shows at once, then the outbox delivers it to the server
    exactly once and the bubble loses its queued mark."""
    info = invoke(app, "app_info")["ok"]
    base = info["account"]["baseUrl"]
    page = invoke(app, "inbox_page", {"tab": "mine", "offset": 0, "limit": 1})["ok"]
    session = page["items"][0]["id"]
    rows(app)[0].click()
    wait = WebDriverWait(app, 30, poll_frequency=0.25)
    box = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-testid=composer] textarea"))
    text = "Pedido 4471 confirmado <i>e</i> enviado"
    box.send_keys(text)
    box.send_keys(Keys.ENTER)
    bubble = wait.until(
        lambda d: next((b for b in d.find_elements(By.CSS_SELECTOR, "[data-testid=msg-out]") if text in text_of(b)), None)
    )
    assert bubble.find_elements(By.TAG_NAME, "i") == []
    assert text_of(box) == ""
    # Delivered: the timeline's copy is the server's (no queued mark) ...
    wait.until(
        lambda d: any(
            text in text_of(b) and not b.find_elements(By.CSS_SELECTOR, "[data-testid=outbox-state]")
            for b in d.find_elements(By.CSS_SELECTOR, "[data-testid=msg-out]")
        )
    )
    # ... and the server has it exactly once.
    req = urllib.request.Request(
        f"{base}/chat/v1/session/{session}/message?PageSize=100&OrderBy=CreatedAt&OrderDirection=DESCENDING",
        headers={"Authorization": "Bearer demo-token"},
    )
    items = json.loads(urllib.request.urlopen(req, timeout=10).read())["items"]
    assert sum(1 for m in items if m.get("text") == text) == 1
    assert invoke(app, "sync_status")["ok"]["pending"] == 0
    app.save_screenshot(str(SHOTS / "sent-message.png"))
