#!/usr/bin/python3
"""Opens a launch URL, waits until the content frame shows an element with id READY, then leaves
the page (as closing the window does) and keeps the browser open until the file named by
LEAVE_UNTIL exists (the caller has seen what the page sent on its way out; at most two minutes).

    LEAVE_UNTIL=FILE open_and_leave.py LAUNCH_URL READY
"""
import os
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

os.environ.setdefault("SE_OFFLINE", "true")

options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
    options.add_argument(flag)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
try:
    driver.get(sys.argv[1])
    wait = WebDriverWait(driver, 20)
    wait.until(EC.frame_to_be_available_and_switch_to_it((By.ID, "content")))
    wait.until(EC.presence_of_element_located((By.ID, sys.argv[2])))
    driver.switch_to.default_content()
    driver.get("about:blank")
    deadline = time.monotonic() + 120
    while not os.path.exists(os.environ["LEAVE_UNTIL"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    print("left")
finally:
    driver.quit()
