#!/usr/bin/python3
"""A learner taking one of ADL's CATAPULT cmi5 example courses in the ECBA player, in headless Chromium.

    cmi5_learner.py LAUNCH_URL MODE [LANGUAGE]

MODE:
  quiz-pass  open the AU, go to its quiz, select the right answers, submit, then press the AU's Exit
  quiz-fail  the same with the wrong answers
  open       open the AU (a course that completes on launch), wait until the player shows it
             done, then lose the connection and close the window: the AU cannot terminate
  tincan     a Tin Can activity: wait until it has read its launch parameters, press Finish,
             wait until the player shows it done

The AU is the player's first (or the launch URL's); it fetches its auth token, reads
LMS.LaunchData and sends its statements itself, to the LRS on the session's origin.
Prints one JSON line: the statuses the player's tree shows, and what the AU showed.
Driven by Selenium with Debian's chromium and chromium-driver (SE_OFFLINE=true: no downloads).
"""
import json
import os
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

os.environ.setdefault("SE_OFFLINE", "true")


def browser(language):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=" + language,
                 "--autoplay-policy=no-user-gesture-required", "--mute-audio"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": language})
    options.set_capability("unhandledPromptBehavior", "accept")
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def statuses(driver):
    """The tree's statuses as the player shows them (data-status of each activity)."""
    driver.switch_to.default_content()
    return {span.get_attribute("data-status-of"): span.get_attribute("data-status")
            for span in driver.find_elements(By.CSS_SELECTOR, "[data-status-of]")}


def view(driver):
    """The player's own view of the session (what the server says), read from the player page."""
    driver.switch_to.default_content()
    return driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "fetch('/player/view').then(function (r) { return r.json(); }).then(done).catch(function (e) { done(String(e)); });")


def wait_for(condition, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.3)
    raise TimeoutException(what)


def into_au(driver):
    """Player page → the AU's frame, once the AU has drawn its pages (it initialized)."""
    driver.switch_to.default_content()
    WebDriverWait(driver, 20).until(EC.frame_to_be_available_and_switch_to_it((By.ID, "content")))
    # A learner starts once the course shows its first page, which it does after cmi5's start:
    # the launch data read and 'initialized' sent (before that, its buttons fail).
    WebDriverWait(driver, 40).until(lambda d: d.execute_script(
        "return typeof course !== 'undefined' && course.trackingPlugin && course.trackingPlugin.launchMode !== ''"
        " && document.querySelector('#navmenu li.current') !== null;"))


def tree_agrees(driver):
    """The tree shows each launchable activity's status as the server's view has it."""
    server = {i["identifier"]: i["status"] for i in view(driver).get("items", []) if i.get("launchURL")}
    shown = statuses(driver)
    return all(shown.get(identifier) == status for identifier, status in server.items())


def done_in_view(driver, activity=None):
    items = [i for i in view(driver).get("items", []) if i.get("launchURL")]
    if activity:
        items = [i for i in items if i["identifier"] == activity]
    return all(i["status"] in ("passed", "completed") for i in items) and items


def first_activity(driver):
    """The AU the player opened (the one highlighted in the tree)."""
    driver.switch_to.default_content()
    return driver.find_element(By.CSS_SELECTOR, ".activity.current").get_attribute("data-activity")


def main():
    url, mode = sys.argv[1], sys.argv[2]
    language = sys.argv[3] if len(sys.argv) > 3 else "zh-CN"
    driver = browser(language)
    seen = {}
    try:
        driver.set_script_timeout(20)
        driver.get(url)
        if mode == "tincan":
            driver.switch_to.default_content()
            WebDriverWait(driver, 20).until(EC.frame_to_be_available_and_switch_to_it((By.ID, "content")))
            WebDriverWait(driver, 20).until(EC.element_to_be_clickable((By.ID, "finish")))
        else:
            into_au(driver)
        seen["launchURL"] = driver.execute_script("return document.location.pathname + document.location.search;")
        seen["readOnly"] = "info-bar-visible" in (driver.find_element(By.TAG_NAME, "body").get_attribute("class") or "")
        if mode in ("quiz-pass", "quiz-fail"):
            quiz = [li for li in driver.find_elements(By.CSS_SELECTOR, ".navmenuitem")
                    if (li.get_attribute("textContent") or "").strip() == "Quiz"]
            driver.execute_script("arguments[0].click();", quiz[0])
            button = "autopass" if mode == "quiz-pass" else "autofail"
            WebDriverWait(driver, 10).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "button[onclick='course.%s()']" % button))).click()
            driver.find_element(By.CSS_SELECTOR, "button[onclick='course.submitAnswers()']").click()
            WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "score-panel-score").text.strip())
            seen["score"] = driver.find_element(By.ID, "score-panel-score").text.strip()
            # The AU sends its statements in turn; the player's view shows the result when they are in.
            if mode == "quiz-pass":
                wait_for(lambda: done_in_view(driver), 40, "the AU's pass did not reach the platform")
            else:
                time.sleep(2)
            driver.switch_to.default_content()
            driver.switch_to.frame("content")
            # The score panel covers the page; the AU's Exit terminates and goes to the returnURL.
            driver.execute_script("course.exit();")
            driver.switch_to.default_content()
            wait_for(lambda: driver.execute_script(
                "try { return document.getElementById('content').contentWindow.location.pathname === '/player/returned'; }"
                " catch (e) { return false; }"), 40, "the AU did not return to its returnURL")
            seen["returned"] = True
            # The player refreshes its tree when the frame reaches the returnURL; on a loaded machine
            # that takes a while, so wait until the tree shows what the server says (or report both).
            try:
                wait_for(lambda: tree_agrees(driver), 40, "the player's tree did not show the AU's result")
            except TimeoutException:
                pass
        elif mode == "tincan":
            driver.find_element(By.ID, "finish").click()
            WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "status").text.strip() in ("sent", "refused"))
            seen["content"] = driver.find_element(By.ID, "status").text.strip()
            wait_for(lambda: done_in_view(driver), 40, "the activity's result did not reach the platform")
        elif mode == "open":
            wait_for(lambda: done_in_view(driver, activity=first_activity(driver)), 40, "the AU's result did not reach the platform")
            driver.switch_to.default_content()
            # The connection is lost before the window closes: the AU's terminated never arrives.
            driver.execute_cdp_cmd("Network.enable", {})
            driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                                   {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0})
        else:
            raise SystemExit("unknown mode " + mode)
        driver.switch_to.default_content()
        seen["statuses"] = statuses(driver) if mode != "open" else {}
        if mode != "open":
            seen["view"] = {i["identifier"]: i["status"] for i in view(driver).get("items", [])}
    except (TimeoutException, NoSuchElementException, IndexError) as error:
        driver.switch_to.default_content()
        logs = []
        try:
            logs = [entry.get("message") for entry in driver.get_log("browser")][-20:]
        except Exception:  # noqa: BLE001 - the log is a courtesy
            pass
        print(json.dumps({"error": "%s: %s" % (type(error).__name__, error), "seen": seen, "console": logs}))
        driver.quit()
        sys.exit(1)
    driver.quit()
    print(json.dumps(seen, ensure_ascii=False))


if __name__ == "__main__":
    main()
