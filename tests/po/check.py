"""Reads the server's PO downloads with Python's polib and sends a review back (see run.sh)."""

import json
import os
import re
import sys
import urllib.request

import polib

BASE = os.environ["ASSETMAP_URL"]
TOKEN = os.environ["ASSETMAP_TOKEN"]
failures = []
passed = 0


def call(method, path, body=None, content_type=None):
    req = urllib.request.Request(BASE + path, method=method, data=body)
    req.add_header("Authorization", "Bearer " + TOKEN)
    if content_type:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req) as res:
            return res.status, res.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")


def check(what, ok):
    global passed
    if ok:
        passed += 1
    else:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


english = json.loads(call("GET", "/i18n/en.json")[1])["strings"]
languages = json.loads(call("GET", "/api/v1/translations")[1])["languages"]
for lang in languages:
    code = lang["code"]
    status, text = call("GET", f"/api/v1/translations/{code}.po")
    check(f"{code}.po is served", status == 200)
    po = polib.pofile(text)
    check(f"{code}.po declares its language", po.metadata.get("Language") == code)
    keys = [e.msgctxt for e in po]
    plural = re.compile(r"^(.*)\.(zero|one|two|few|many|other)$")
    singular = [k for k in english if not plural.match(k)]
    check(f"{code}.po has every English key once", set(singular) <= set(keys) and len(set(keys)) == len(keys))
    for e in po:
        m = plural.match(e.msgctxt)
        # A plural form the language has and English lacks translates English's `.other`.
        source = english.get(e.msgctxt) or (english.get(m.group(1) + ".other") if m else None)
        if source is None or e.msgid != source["text"]:
            check(f"{code}: {e.msgctxt} msgid is the English", False)
        if m and "Plural form" not in e.comment:
            check(f"{code}: {e.msgctxt} says it is a plural form", False)
        placeholders = sorted(re.findall(r"\{(\w+)\}", e.msgid))
        if placeholders and not all("{%s}" % p in e.comment for p in placeholders):
            check(f"{code}: {e.msgctxt} names its placeholders in a comment", False)
        if not e.comment.startswith("Where: "):
            check(f"{code}: {e.msgctxt} says where it appears", False)
    translated = [e for e in po if e.msgstr]
    check(f"{code}: counts agree", len(translated) == lang["translated"])
    check(f"{code}: fuzzy = translated but unreviewed",
          len([e for e in translated if "fuzzy" in e.flags]) == lang["unreviewed"])

# A review written by polib itself (its own quoting and line wrapping) goes back in.
status, text = call("GET", "/api/v1/translations/ht.po")
po = polib.pofile(text)
entry = next(e for e in po if e.msgctxt == "sheet.sms_title")
entry.msgstr = "Kote ki ka ede w (revize):"
if "fuzzy" in entry.flags:
    entry.flags.remove("fuzzy")
status, body = call("PUT", "/api/v1/translations/ht.po", str(po).encode("utf-8"), "text/x-gettext-translation")
check(f"a polib-written review is taken ({status} {body[:300]})", status == 200 and json.loads(body)["newly_reviewed"] == 1)
again = polib.pofile(call("GET", "/api/v1/translations/ht.po")[1])
e = next(e for e in again if e.msgctxt == "sheet.sms_title")
check("the review round-trips", e.msgstr == "Kote ki ka ede w (revize):" and "fuzzy" not in e.flags)

# A placeholder dropped by the translator is refused, naming the entry.
po = polib.pofile(call("GET", "/api/v1/translations/ht.po")[1])
entry = next(e for e in po if e.msgctxt == "sheet.sms_segments")
entry.msgstr = "Kantite mesaj"
if "fuzzy" in entry.flags:
    entry.flags.remove("fuzzy")
status, body = call("PUT", "/api/v1/translations/ht.po", str(po).encode("utf-8"), "text/x-gettext-translation")
problem = json.loads(body)
check("a missing placeholder is refused by entry",
      status == 422 and any(err["field"] == "sheet.sms_segments" for err in problem.get("errors", [])))

print(f"{passed} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
