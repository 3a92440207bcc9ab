#!/usr/bin/python3
"""A learner taking one of Rustici's golf run-time courses in the ECBA player, in headless Chromium.

    golf_learner.py LAUNCH_URL MODE [PAGES [LANGUAGE]]

MODE:
  pass     page through every page to the quiz, answer it right, then Exit
  fail     the same, answering every question wrong
  suspend  page forward PAGES pages, then close the window without Exit (the course suspends)
  resume   open, accept the course's offer to resume, print the page it resumed at, then close

With LEAVE_UNTIL=FILE, suspend and resume keep the browser open after leaving the page until FILE
exists (the caller has seen what the page sent on its way out; at most two minutes).

Prints one JSON line: what the learner saw (the page shown, the status shown in the tree).
Driven by Selenium with Debian's chromium and chromium-driver (SE_OFFLINE=true: no downloads).
"""
import json
import os
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import (NoAlertPresentException, NoSuchFrameException, TimeoutException,
                                        UnexpectedAlertPresentException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

os.environ.setdefault("SE_OFFLINE", "true")


def leave(driver):
    """Leaves the page as closing the window does. A fixed pause is not enough for what the page
    sends on its way out: on a loaded machine the server takes seconds to store it, and a browser
    that quits first may take the request with it."""
    driver.get("about:blank")
    until = os.environ.get("LEAVE_UNTIL")
    if until is None:
        time.sleep(1)
        return
    deadline = time.monotonic() + 120
    while not os.path.exists(until) and time.monotonic() < deadline:
        time.sleep(0.1)


def browser(language):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=" + language):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": language})
    options.set_capability("unhandledPromptBehavior", "ignore")
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def answer_alerts(driver, accept=True):
    """The golf course confirms things with window.confirm; a learner answers."""
    answered = []
    for _ in range(3):
        try:
            alert = driver.switch_to.alert
            answered.append(alert.text)
            alert.accept() if accept else alert.dismiss()
            time.sleep(0.2)
        except NoAlertPresentException:
            break
    return answered


def into_course(driver, accept, alerts):
    """Player page → the content frame (the SCO's launch page), once it shows a page; the
    course's questions on the way (resume?) are answered with `accept`."""
    deadline = time.time() + 20
    while time.time() < deadline:
        alerts.extend(answer_alerts(driver, accept))
        try:
            driver.switch_to.default_content()
            driver.switch_to.frame("content")
            inner = driver.find_elements(By.ID, "contentFrame")
            if inner and inner[0].get_attribute("src"):
                return
        except (UnexpectedAlertPresentException, NoSuchFrameException):
            pass
        time.sleep(0.2)
    raise TimeoutException("the course did not show a page")


def current_page(driver):
    return driver.find_element(By.ID, "contentFrame").get_attribute("src")


def tree_status(driver):
    driver.switch_to.default_content()
    spans = driver.find_elements(By.CSS_SELECTOR, "[data-status-of]")
    return [s.get_attribute("data-status") for s in spans]


def main():
    url, mode = sys.argv[1], sys.argv[2]
    pages = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    language = sys.argv[4] if len(sys.argv) > 4 else "zh-CN"
    driver = browser(language)
    wait = WebDriverWait(driver, 20)
    seen = {"mode": mode}
    try:
        driver.get(url)
        seen["alerts"] = []
        into_course(driver, mode == "resume", seen["alerts"])
        driver.switch_to.default_content()
        seen["player_title"] = driver.title
        seen["lang"] = driver.find_element(By.TAG_NAME, "html").get_attribute("lang")
        driver.switch_to.frame("content")
        if mode == "resume":
            time.sleep(0.5)
            seen["page"] = current_page(driver)
            driver.switch_to.default_content()
            leave(driver)
            print(json.dumps(seen))
            return
        steps = 14 if mode in ("pass", "fail") else pages
        for _ in range(steps):
            driver.find_element(By.ID, "butNext").click()
            time.sleep(0.15)
        seen["page"] = current_page(driver)
        if mode == "suspend":
            # Close the window the way a learner does: the course's unload handler suspends.
            driver.switch_to.default_content()
            leave(driver)
            print(json.dumps(seen))
            return
        # The quiz, inside the launch page's own frame.
        wait.until(EC.frame_to_be_available_and_switch_to_it((By.ID, "contentFrame")))
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "input[type=button]")))
        questions = driver.find_elements(By.CSS_SELECTOR, "div.question, div[id^=question]") or []
        for radio in driver.find_elements(By.CSS_SELECTOR, "input[type=radio]"):
            right = "correctAnswer" in (radio.find_element(By.XPATH, "..").get_attribute("class") or "")
            if right == (mode == "pass"):
                radio.click()
        for field in driver.find_elements(By.CSS_SELECTOR, "input[type=text]"):
            text = field.find_element(By.XPATH, "..").text
            correct = text[text.rfind("(") + 1:text.rfind(")")].strip()
            field.send_keys(correct if mode == "pass" else "0")
        seen["questions"] = len(questions)
        driver.find_element(By.CSS_SELECTOR, "input[type=button][value='Submit Answers']").click()
        time.sleep(0.5)
        answer_alerts(driver)
        driver.switch_to.parent_frame()
        driver.find_element(By.ID, "butExit").click()
        answer_alerts(driver)
        # The player redraws its tree once the exit's commit is in; a loaded machine takes a while.
        deadline = time.time() + 30
        while time.time() < deadline and not all(s in ("passed", "failed", "completed") for s in tree_status(driver)):
            time.sleep(0.3)
        seen["tree"] = tree_status(driver)
        print(json.dumps(seen))
    except TimeoutException as error:
        seen["error"] = "timed out: %s" % error
        driver.switch_to.default_content()
        seen["html"] = driver.page_source[:2000]
        print(json.dumps(seen))
        sys.exit(1)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
