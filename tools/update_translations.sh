#!/bin/sh
# Refresh the Simplified Chinese translation after UI strings in console/*.py change.
# lupdate keeps every existing translation, adds new strings as unfinished and drops
# strings that left the code; lrelease then compiles the .qm that console/i18n.py loads.
# Open resources/translations/mcv_zh_CN.ts in pyside6-linguist to translate new strings,
# then run this again. tests/console/test_translations.py fails while any is unfinished.
set -eu

cd "$(dirname "$0")/.."

BIN=${PYSIDE6_BIN:-.venv/bin}
TS=resources/translations/mcv_zh_CN.ts
QM=console/translations/mcv_zh_CN.qm

"$BIN/pyside6-lupdate" -source-language en -target-language zh_CN -no-obsolete \
    console/*.py -ts "$TS"
mkdir -p "$(dirname "$QM")"
"$BIN/pyside6-lrelease" "$TS" -qm "$QM"
