/* A JSON syntax check for the Lambda Invoke API stand-in.
 *
 * Lambda passes any payload that is valid JSON to the function as it is,
 * and the function decides what it accepts. So the stand-in only checks
 * the syntax of RFC 8259, without building the value: numbers of any
 * length and "\u0000" escapes pass, as do lone surrogate escapes such as
 * "\ud800", which the grammar allows.
 *
 * NOTE: AWS documents no nesting or number length limit for a payload. If
 * Lambda's own parser has one, this check passes payloads that Lambda
 * rejects, never the other way round. */
#ifndef PG_LOCAL_JSON_SYNTAX_H
#define PG_LOCAL_JSON_SYNTAX_H

#include <stddef.h>

#include "common/err.h"

/* Checks that text (len bytes, NUL bytes counted as text) is exactly one
 * JSON value of any type, with optional white space around it, in valid
 * UTF-8. Nesting is limited only by len: the check keeps one byte per
 * open array or object and does not recurse. Returns 0, or -1 with err
 * saying what is wrong and at which byte offset. */
__attribute__((warn_unused_result))
int pg_json_syntax_check(const char *text, size_t len, struct pg_err *err);

#endif
