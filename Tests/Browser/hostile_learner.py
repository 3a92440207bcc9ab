#!/usr/bin/python3
"""Opens a launch URL of the tests' hostile package and reports what its content could reach.

    hostile_learner.py LAUNCH_URL OTHER_SESSION_ORIGIN

The package's own script (index.html) tries, blind, what content in an attempt can try: the society
API on the platform origin, another course's file, another enrollment's attempt, another course's
activity. Then, as if another session's URL had leaked, this driver runs the same kind of script in
the content's frame against OTHER_SESSION_ORIGIN: fetch a file, frame it and read it, read its
storage. Prints one JSON line: every attempt and what came of it.
"""
import json
import os
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

os.environ.setdefault("SE_OFFLINE", "true")

LEAKED = """
const [origin, done] = [arguments[0], arguments[arguments.length - 1]];
const results = {};
async function attempt(name, body) {
  try { results[name] = 'reached: ' + String(await body()).slice(0, 80); } catch (error) { results[name] = 'blocked: ' + error.name; }
}
(async () => {
  await attempt('fetch another session file', async () => (await fetch(origin + '/content/secret.html')).text());
  await attempt('fetch another session view', async () => (await fetch(origin + '/player/view')).text());
  await attempt('frame another session and read it', () => new Promise((resolve, reject) => {
    const frame = document.createElement('iframe');
    frame.src = origin + '/content/secret.html';
    frame.onload = () => { try { resolve(frame.contentDocument.body.innerText); } catch (error) { reject(error); } };
    document.body.appendChild(frame);
    setTimeout(() => reject(new Error('timeout')), 5000);
  }));
  done(results);
})();
"""


def main():
    url, other = sys.argv[1], sys.argv[2]
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    # Generous waits: the page makes a dozen requests one after another, and under the whole
    # suite on two cores (PostgreSQL, Chromium and the other tests at once) they once took more
    # than 20 s together. Each of the page's own attempts is bounded, so a hang still fails.
    driver.set_script_timeout(90)
    try:
        driver.get(url)
        wait = WebDriverWait(driver, 90)
        wait.until(EC.frame_to_be_available_and_switch_to_it((By.ID, "content")))
        done = wait.until(EC.presence_of_element_located((By.ID, "done")))
        report = {"own": json.loads(done.get_attribute("data-results"))}
        report["leaked"] = driver.execute_async_script(LEAKED, other)
        print(json.dumps(report))
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
