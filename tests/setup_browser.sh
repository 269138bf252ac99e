#!/usr/bin/env bash
# Debian's chromium and chromedriver for the browser test (tests/test_browser.py), from
# the distribution's package registry: no browser is downloaded by Playwright or by
# Selenium Manager.  Without root or apt the browser test skips itself and says why.
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y -q chromium chromium-driver ||
    { apt-get update -q && apt-get install -y -q chromium chromium-driver; }; } >/dev/null 2>&1 ||
    echo "note: could not install chromium + chromium-driver; the browser test will skip"
else
  echo "note: chromium/chromedriver missing and not root: the browser test will skip"
fi
exit 0
