# SPDX-License-Identifier: GPL-3.0-or-later
# Turns stdlib/*.btc into one C string so the catalog ships inside btctrace.
file(GLOB files ${SRC_DIR}/*.btc)
list(SORT files)
set(body "")
foreach(f ${files})
  file(READ ${f} text)
  string(APPEND body "${text}\n")
endforeach()
string(REPLACE "\\" "\\\\" body "${body}")
string(REPLACE "\"" "\\\"" body "${body}")
string(REPLACE "\n" "\\n\"\n\"" body "${body}")
file(WRITE ${OUT} "/* generated from the files in stdlib/ */\nconst char btc_stdlib_text[] =\n\"${body}\";\n")
