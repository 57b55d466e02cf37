/* Tests of the contact form: field rules, the JSON and form readers, the
 * Content-Type dispatch and the notification event. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "web/web.h"

static char long_text[5000];

/* Returns n copies of c (n < sizeof(long_text)); valid until the next call. */
static const char *repeat(char c, size_t n)
{
	memset(long_text, c, n);
	long_text[n] = '\0';
	return long_text;
}

/* ---- Field rules ------------------------------------------------------ */

struct field_case {
	const char *label;
	const char *values[PG_CONTACT_FIELD_COUNT]; /* NULL: absent */
	const char *error_part; /* NULL: valid */
	const char *failed_field;
};

#define GOOD_SOURCE "site"
#define GOOD_NAME "Ada"
#define GOOD_EMAIL "ada@example.com"
#define GOOD_TEXT "Hello"

static const struct field_case field_cases[] = {
	{ "all valid", { GOOD_SOURCE, GOOD_NAME, GOOD_EMAIL, GOOD_TEXT }, NULL,
	  NULL },
	{ "missing email", { GOOD_SOURCE, GOOD_NAME, NULL, GOOD_TEXT },
	  "email: required", "email" },
	{ "empty name", { GOOD_SOURCE, "", GOOD_EMAIL, GOOD_TEXT },
	  "name: required", "name" },
	{ "spaces only name", { GOOD_SOURCE, "   ", GOOD_EMAIL, GOOD_TEXT },
	  "name: required", "name" },
	{ "blank description", { GOOD_SOURCE, GOOD_NAME, GOOD_EMAIL, " \r\n\t" },
	  "description: required", "description" },
	{ "two missing", { NULL, GOOD_NAME, GOOD_EMAIL, NULL },
	  "required fields missing: source, description", "source" },
	/* Email addresses that fail. */
	{ "double at", { GOOD_SOURCE, GOOD_NAME, "ada@@example", GOOD_TEXT },
	  "email: not a valid address: must contain exactly one '@'", "email" },
	{ "no at", { GOOD_SOURCE, GOOD_NAME, "ada.example.com", GOOD_TEXT },
	  "exactly one '@'", "email" },
	{ "empty local part", { GOOD_SOURCE, GOOD_NAME, "@example.com", GOOD_TEXT },
	  "before '@' is empty", "email" },
	{ "no dot in domain", { GOOD_SOURCE, GOOD_NAME, "ada@example", GOOD_TEXT },
	  "must contain a dot", "email" },
	{ "empty domain", { GOOD_SOURCE, GOOD_NAME, "ada@", GOOD_TEXT },
	  "domain after '@' is empty", "email" },
	{ "leading hyphen label",
	  { GOOD_SOURCE, GOOD_NAME, "ada@-example.com", GOOD_TEXT },
	  "must not start with a hyphen", "email" },
	{ "trailing hyphen label",
	  { GOOD_SOURCE, GOOD_NAME, "ada@example-.com", GOOD_TEXT },
	  "must not end with a hyphen", "email" },
	{ "underscore in domain",
	  { GOOD_SOURCE, GOOD_NAME, "ada@exa_mple.com", GOOD_TEXT },
	  "only letters, digits, hyphens and dots", "email" },
	{ "non-ASCII domain",
	  { GOOD_SOURCE, GOOD_NAME, "ada@ex\xc3\xa4mple.com", GOOD_TEXT },
	  "only letters, digits, hyphens and dots", "email" },
	{ "space inside", { GOOD_SOURCE, GOOD_NAME, "a da@example.com", GOOD_TEXT },
	  "must not contain spaces", "email" },
	{ "leading dot", { GOOD_SOURCE, GOOD_NAME, ".ada@example.com", GOOD_TEXT },
	  "must not start or end with a dot", "email" },
	{ "trailing dot local",
	  { GOOD_SOURCE, GOOD_NAME, "ada.@example.com", GOOD_TEXT },
	  "must not start or end with a dot", "email" },
	{ "double dot local", { GOOD_SOURCE, GOOD_NAME, "a..b@example.com", GOOD_TEXT },
	  "two dots in a row", "email" },
	{ "double dot domain",
	  { GOOD_SOURCE, GOOD_NAME, "ada@example..com", GOOD_TEXT },
	  "empty label", "email" },
	{ "trailing dot domain",
	  { GOOD_SOURCE, GOOD_NAME, "ada@example.com.", GOOD_TEXT },
	  "empty label", "email" },
	{ "bracket in local part",
	  { GOOD_SOURCE, GOOD_NAME, "a<b>@example.com", GOOD_TEXT },
	  "character that is not allowed", "email" },
	{ "line break", { GOOD_SOURCE, GOOD_NAME, "ada@example.com\nBcc: x@y.z",
			  GOOD_TEXT },
	  "email: must be a single line", "email" },
	/* Email addresses that pass. */
	{ "plus address", { GOOD_SOURCE, GOOD_NAME, "a+b@example.invalid",
			    GOOD_TEXT },
	  NULL, NULL },
	{ "subdomains", { GOOD_SOURCE, GOOD_NAME, "first.last@mail.example.co.uk",
			  GOOD_TEXT },
	  NULL, NULL },
	{ "hyphen inside label", { GOOD_SOURCE, GOOD_NAME, "x@a-b.example",
				   GOOD_TEXT },
	  NULL, NULL },
	{ "non-ASCII local part",
	  { GOOD_SOURCE, GOOD_NAME, "m\xc3\xbcller@example.de", GOOD_TEXT }, NULL,
	  NULL },
	{ "surrounding spaces trimmed",
	  { GOOD_SOURCE, "  Ada  ", "  ada@example.com ", GOOD_TEXT }, NULL,
	  NULL },
	/* Control characters. */
	{ "CR/LF in name",
	  { GOOD_SOURCE, "Ada\r\nBcc: x@example.com", GOOD_EMAIL, GOOD_TEXT },
	  "name: must be a single line", "name" },
	{ "TAB in name", { GOOD_SOURCE, "Ada\tB", GOOD_EMAIL, GOOD_TEXT },
	  "name: contains a control character (U+0009)", "name" },
	{ "DEL in name", { GOOD_SOURCE, "Ada\x7f", GOOD_EMAIL, GOOD_TEXT },
	  "name: contains a control character (U+007F)", "name" },
	{ "C1 NEL in name", { GOOD_SOURCE, "Ada\xc2\x85", GOOD_EMAIL, GOOD_TEXT },
	  "name: contains a control character (U+0085)", "name" },
	{ "C1 U+009F in name",
	  { GOOD_SOURCE, "Ada\xc2\x9f", GOOD_EMAIL, GOOD_TEXT },
	  "(U+009F)", "name" },
	{ "U+00A0 in name allowed",
	  { GOOD_SOURCE, "Ada\xc2\xa0Lovelace", GOOD_EMAIL, GOOD_TEXT }, NULL,
	  NULL },
	{ "escape in description",
	  { GOOD_SOURCE, GOOD_NAME, GOOD_EMAIL, "bell\x07" },
	  "description: contains a control character (U+0007)",
	  "description" },
	{ "escape in source", { "site\x1b[31m", GOOD_NAME, GOOD_EMAIL, GOOD_TEXT },
	  "source: contains a control character (U+001B)", "source" },
	{ "lines and tabs in description",
	  { "a\r\nb", GOOD_NAME, GOOD_EMAIL, "2 + 2 = 4\r\nok\tdone\rend" }, NULL,
	  NULL },
	/* Line separators and text direction controls (UTF-8 of U+2028,
	 * U+2029, U+202A..U+202E and U+2066..U+2069). */
	{ "U+202E in name",
	  { GOOD_SOURCE, "Ada\xe2\x80\xaegnp.exe", GOOD_EMAIL, GOOD_TEXT },
	  "name: contains U+202E, a text direction control", "name" },
	{ "U+202A in name",
	  { GOOD_SOURCE, "\xe2\x80\xaa" "Ada", GOOD_EMAIL, GOOD_TEXT },
	  "name: contains U+202A, a text direction control", "name" },
	{ "U+2066 in email",
	  { GOOD_SOURCE, GOOD_NAME, "a\xe2\x81\xa6" "b@example.com", GOOD_TEXT },
	  "email: contains U+2066, a text direction control", "email" },
	{ "U+2069 in name",
	  { GOOD_SOURCE, "Ada\xe2\x81\xa9", GOOD_EMAIL, GOOD_TEXT },
	  "name: contains U+2069, a text direction control", "name" },
	{ "U+2028 in name",
	  { GOOD_SOURCE, "Ada\xe2\x80\xa8" "Bcc", GOOD_EMAIL, GOOD_TEXT },
	  "name: contains U+2028, a line separator, but must be one line",
	  "name" },
	{ "U+2029 in email",
	  { GOOD_SOURCE, GOOD_NAME, "a\xe2\x80\xa9@example.com", GOOD_TEXT },
	  "email: contains U+2029, a paragraph separator, but must be one line",
	  "email" },
	{ "U+202D in description",
	  { GOOD_SOURCE, GOOD_NAME, GOOD_EMAIL, "pay \xe2\x80\xad" "0001" },
	  "description: contains U+202D, a text direction control",
	  "description" },
	{ "U+2067 in source",
	  { "site\xe2\x81\xa7", GOOD_NAME, GOOD_EMAIL, GOOD_TEXT },
	  "source: contains U+2067, a text direction control", "source" },
	{ "LRM and RLM in name allowed",
	  { GOOD_SOURCE, "Ada\xe2\x80\x8e \xe2\x80\x8f", GOOD_EMAIL,
	    GOOD_TEXT },
	  NULL, NULL },
	{ "U+2028 in description allowed",
	  { GOOD_SOURCE, GOOD_NAME, GOOD_EMAIL, "a\xe2\x80\xa8" "b" }, NULL,
	  NULL },
	/* Encoding. */
	{ "invalid UTF-8", { GOOD_SOURCE, "Ada\xff", GOOD_EMAIL, GOOD_TEXT },
	  "name: not valid UTF-8", "name" },
	{ "surrogate in UTF-8",
	  { GOOD_SOURCE, GOOD_NAME, GOOD_EMAIL, "x\xed\xa0\x80" },
	  "description: not valid UTF-8", "description" },
};

static void set_values(struct pg_contact *contact,
		       const char *const values[PG_CONTACT_FIELD_COUNT])
{
	pg_contact_init(contact);
	for (int i = 0; i < PG_CONTACT_FIELD_COUNT; i++) {
		if (!values[i])
			continue;
		contact->values[i] = pg_strdup(values[i]);
		contact->lens[i] = strlen(values[i]);
	}
}

static bool problem_has_field(const struct pg_problem *problem,
			      const char *field)
{
	for (size_t i = 0; i < problem->field_count; i++)
		if (strcmp(problem->fields[i].name, field) == 0)
			return true;
	return false;
}

static void contact_field_rules_table(void **state)
{
	struct pg_contact_limits limits;

	(void)state;
	pg_contact_limits_init(&limits);
	for (size_t i = 0; i < sizeof(field_cases) / sizeof(field_cases[0]);
	     i++) {
		const struct field_case *c = &field_cases[i];
		struct pg_contact contact;
		struct pg_problem problem;
		int rc;

		set_values(&contact, c->values);
		pg_problem_init(&problem);
		rc = pg_contact_validate(&contact, &limits, &problem);
		if (!c->error_part && rc != 0)
			fail_msg("%s: rejected: %s", c->label,
				 problem.error.msg);
		if (c->error_part) {
			if (rc != -1)
				fail_msg("%s: accepted", c->label);
			assert_int_equal(problem.status, 400);
			if (!strstr(problem.error.msg, c->error_part))
				fail_msg("%s: error \"%s\" lacks \"%s\"",
					 c->label, problem.error.msg,
					 c->error_part);
			if (!problem_has_field(&problem, c->failed_field))
				fail_msg("%s: no entry for %s in fields",
					 c->label, c->failed_field);
		}
		pg_contact_release(&contact);
		pg_contact_release(&contact);
	}
}

static void contact_all_missing_named(void **state)
{
	const char *none[PG_CONTACT_FIELD_COUNT] = { NULL };
	struct pg_contact_limits limits;
	struct pg_contact contact;
	struct pg_problem problem;

	(void)state;
	pg_contact_limits_init(&limits);
	set_values(&contact, none);
	pg_problem_init(&problem);
	assert_int_equal(pg_contact_validate(&contact, &limits, &problem), -1);
	assert_string_equal(problem.error.msg, "required fields missing: "
					       "source, name, email, "
					       "description");
	assert_int_equal(problem.field_count, 4);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(problem.fields[i].message, "required");
	pg_contact_release(&contact);
}

static void contact_normalises_values(void **state)
{
	const char *values[PG_CONTACT_FIELD_COUNT] = {
		" a\r\nb\rc ", "  Ada Lovelace ", " ada@example.com ",
		"\r\n2 + 2 = 4\r\nok\t\r\n",
	};
	struct pg_contact_limits limits;
	struct pg_contact contact;
	struct pg_problem problem;

	(void)state;
	pg_contact_limits_init(&limits);
	set_values(&contact, values);
	pg_problem_init(&problem);
	assert_int_equal(pg_contact_validate(&contact, &limits, &problem), 0);
	assert_string_equal(contact.values[PG_CONTACT_SOURCE], "a\nb\nc");
	assert_string_equal(contact.values[PG_CONTACT_NAME], "Ada Lovelace");
	assert_string_equal(contact.values[PG_CONTACT_EMAIL], "ada@example.com");
	assert_string_equal(contact.values[PG_CONTACT_DESCRIPTION],
			    "2 + 2 = 4\nok");
	assert_int_equal(contact.lens[PG_CONTACT_DESCRIPTION],
			 strlen("2 + 2 = 4\nok"));
	pg_contact_release(&contact);
}

static void contact_nul_byte_rejected(void **state)
{
	const char *values[PG_CONTACT_FIELD_COUNT] = {
		GOOD_SOURCE, "Ada", GOOD_EMAIL, GOOD_TEXT,
	};
	struct pg_contact_limits limits;
	struct pg_contact contact;
	struct pg_problem problem;

	(void)state;
	pg_contact_limits_init(&limits);
	set_values(&contact, values);
	free(contact.values[PG_CONTACT_NAME]);
	contact.values[PG_CONTACT_NAME] = pg_strndup("Ad\0a", 4);
	contact.lens[PG_CONTACT_NAME] = 4;
	pg_problem_init(&problem);
	assert_int_equal(pg_contact_validate(&contact, &limits, &problem), -1);
	assert_string_equal(problem.error.msg,
			    "name: contains a control character (U+0000)");
	pg_contact_release(&contact);
}

struct length_case {
	enum pg_contact_field field;
	size_t chars;
	bool two_byte; /* use U+00E9 (two bytes) instead of 'a' */
	bool valid;
	const char *error;
};

static const struct length_case length_cases[] = {
	{ PG_CONTACT_SOURCE, 200, false, true, NULL },
	{ PG_CONTACT_SOURCE, 201, false, false,
	  "source: longer than 200 characters" },
	{ PG_CONTACT_NAME, 200, true, true, NULL },
	{ PG_CONTACT_NAME, 201, false, false, "name: longer than 200 characters" },
	{ PG_CONTACT_DESCRIPTION, 1000, false, true, NULL },
	{ PG_CONTACT_DESCRIPTION, 1000, true, true, NULL },
	{ PG_CONTACT_DESCRIPTION, 1001, false, false,
	  "description: longer than 1000 characters" },
};

static void contact_length_caps_table(void **state)
{
	struct pg_contact_limits limits;

	(void)state;
	pg_contact_limits_init(&limits);
	/* Only the caps of the fields: the notification's own limit, which
	 * 1000 characters plus the other fields pass, has its own tests. */
	limits.notification_max_chars = 0;
	for (size_t i = 0; i < sizeof(length_cases) / sizeof(length_cases[0]);
	     i++) {
		const struct length_case *c = &length_cases[i];
		const char *values[PG_CONTACT_FIELD_COUNT] = {
			GOOD_SOURCE, GOOD_NAME, GOOD_EMAIL, GOOD_TEXT,
		};
		struct pg_contact contact;
		struct pg_problem problem;
		char *text = pg_malloc(c->chars * 2 + 1);
		size_t len = 0;
		int rc;

		for (size_t k = 0; k < c->chars; k++) {
			if (c->two_byte) {
				text[len++] = '\xc3';
				text[len++] = '\xa9';
			} else {
				text[len++] = 'a';
			}
		}
		text[len] = '\0';
		values[c->field] = text;
		set_values(&contact, values);
		pg_problem_init(&problem);
		rc = pg_contact_validate(&contact, &limits, &problem);
		if (c->valid && rc != 0)
			fail_msg("row %zu rejected: %s", i, problem.error.msg);
		if (!c->valid)
			assert_string_equal(problem.error.msg, c->error);
		pg_contact_release(&contact);
		free(text);
	}
}

/* Writes an address of local_bytes before the '@' and total_bytes in all,
 * with a domain of 50-byte labels ending in ".com". */
static void make_address(char *out, size_t local_bytes, size_t total_bytes)
{
	size_t domain_bytes = total_bytes - local_bytes - 1;
	size_t labels_bytes = domain_bytes - 4;
	size_t len = 0;

	memset(out, 'x', local_bytes);
	len = local_bytes;
	out[len++] = '@';
	for (size_t p = 0; p < labels_bytes; p++)
		out[len++] = p % 51 == 50 ? '.' : 'd';
	memcpy(out + len, ".com", 5);
}

static void contact_email_byte_limits(void **state)
{
	static const struct {
		size_t local_bytes;
		size_t total_bytes;
		const char *error; /* NULL: valid */
	} rows[] = {
		{ 64, 254, NULL },
		{ 10, 200, NULL },
		{ 64, 255, "email: not a valid address: longer than 254 bytes" },
		{ 65, 100, "the part before '@' is longer than 64 bytes" },
	};
	struct pg_contact_limits limits;
	char address[400];

	(void)state;
	pg_contact_limits_init(&limits);
	/* Let the byte rules speak, not the character cap. */
	limits.max_chars[PG_CONTACT_EMAIL] = 1000;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *values[PG_CONTACT_FIELD_COUNT] = {
			GOOD_SOURCE, GOOD_NAME, address, GOOD_TEXT,
		};
		struct pg_contact contact;
		struct pg_problem problem;
		int rc;

		make_address(address, rows[i].local_bytes, rows[i].total_bytes);
		assert_int_equal(strlen(address), rows[i].total_bytes);
		set_values(&contact, values);
		pg_problem_init(&problem);
		rc = pg_contact_validate(&contact, &limits, &problem);
		if (!rows[i].error && rc != 0)
			fail_msg("row %zu rejected: %s", i, problem.error.msg);
		if (rows[i].error && !strstr(problem.error.msg, rows[i].error))
			fail_msg("row %zu: error \"%s\"", i, problem.error.msg);
		pg_contact_release(&contact);
	}

	/* A label of 64 bytes is one too long. */
	snprintf(address, sizeof(address), "a@%.64s.com", repeat('l', 64));
	{
		const char *values[PG_CONTACT_FIELD_COUNT] = {
			GOOD_SOURCE, GOOD_NAME, address, GOOD_TEXT,
		};
		struct pg_contact contact;
		struct pg_problem problem;

		set_values(&contact, values);
		pg_problem_init(&problem);
		assert_int_equal(pg_contact_validate(&contact, &limits,
						     &problem),
				 -1);
		assert_non_null(strstr(problem.error.msg,
				       "label is longer than 63 bytes"));
		pg_contact_release(&contact);
	}

	/* The default character cap of the email field is 254. */
	pg_contact_limits_init(&limits);
	assert_int_equal(limits.max_chars[PG_CONTACT_EMAIL], 254);
}

/* ---- JSON and form readers --------------------------------------------- */

struct reader_case {
	const char *label;
	char kind; /* 'j' JSON, 'f' urlencoded, 'm' multipart (boundary XyZ) */
	const char *body;
	size_t body_len; /* 0: strlen(body) */
	const char *error_part; /* NULL: read and validated */
};

static const struct reader_case reader_cases[] = {
	{ "json valid", 'j',
	  "{\"source\":\"site\",\"name\":\"Ada\",\"email\":\"ada@example.com\","
	  "\"description\":\"Hello\"}",
	  0, NULL },
	{ "json unknown members ignored", 'j',
	  "{\"source\":\"site\",\"name\":\"Ada\",\"email\":\"ada@example.com\","
	  "\"description\":\"Hello\",\"extra\":[1,{\"a\":null}],\"n\":5}",
	  0, NULL },
	{ "json number for name", 'j',
	  "{\"source\":\"site\",\"name\":5,\"email\":\"ada@example.com\","
	  "\"description\":\"Hello\"}",
	  0, "name: must be a string" },
	{ "json null for email", 'j',
	  "{\"source\":\"site\",\"name\":\"Ada\",\"email\":null,"
	  "\"description\":\"Hello\"}",
	  0, "email: must be a string" },
	{ "json duplicate email", 'j',
	  "{\"source\":\"site\",\"name\":\"Ada\",\"email\":\"a@b.example\","
	  "\"email\":\"c@d.example\",\"description\":\"Hello\"}",
	  0, "email: given more than once" },
	{ "json duplicate unknown member ignored", 'j',
	  "{\"source\":\"site\",\"name\":\"Ada\",\"email\":\"a@b.example\","
	  "\"x\":1,\"x\":2,\"description\":\"Hello\"}", 0, NULL },
	{ "json nested duplicate ignored", 'j',
	  "{\"source\":\"site\",\"name\":\"Ada\",\"email\":\"a@b.example\","
	  "\"x\":{\"email\":1,\"email\":2},\"description\":\"Hello\"}", 0,
	  NULL },
	{ "json duplicate email spelled with an escape", 'j',
	  "{\"source\":\"site\",\"name\":\"Ada\",\"email\":\"a@b.example\","
	  "\"\\u0065mail\":\"c@d.example\",\"description\":\"Hello\"}", 0,
	  "email: given more than once" },
	{ "json duplicate _next", 'j',
	  "{\"_next\":\"https://a.example/\",\"_next\":\"https://b.example/\"}",
	  0, "_next: given more than once" },
	{ "json escapes decoded", 'j',
	  "{\"source\":\"site\",\"name\":\"Ren\\u00e9e \\ud83d\\ude00\","
	  "\"email\":\"ada@example.com\",\"description\":\"a\\tb\\\\c\\/d\"}",
	  0, NULL },
	{ "json NUL in description", 'j',
	  "{\"source\":\"site\",\"name\":\"Ada\",\"email\":"
	  "\"ada@example.com\",\"description\":\"Hello\\u0000world\"}",
	  0, "description: contains a NUL character (\\u0000)" },
	{ "json lone low surrogate", 'j', "{\"name\":\"\\udc00\"}", 0,
	  "invalid Unicode '\\uDC00'" },
	{ "json high surrogate then letter", 'j',
	  "{\"name\":\"\\ud800\\u0041\"}", 0, "invalid Unicode" },
	{ "json high surrogate at end", 'j', "{\"name\":\"x\\uD800\"}", 0,
	  "invalid Unicode '\\uD800'" },
	{ "json nested 32 deep accepted", 'j',
	  "{\"source\":\"site\",\"name\":\"Ada\",\"email\":\"a@b.example\","
	  "\"description\":\"x\",\"deep\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]"
	  "]]]]]]]]]]]]]]]]]]]]]]]]]}", 0, NULL },
	{ "json nested 33 deep rejected", 'j',
	  "{\"deep\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
	  0, "request body: JSON nested deeper than 32 levels" },
	{ "json brackets inside strings do not nest", 'j',
	  "{\"source\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\",\"name\":\"Ada\","
	  "\"email\":\"a@b.example\",\"description\":\"{{\\\"{{\"}", 0, NULL },
	{ "json NUL in name", 'j',
	  "{\"source\":\"site\",\"name\":\"Ad\\u0000a\",\"email\":"
	  "\"ada@example.com\",\"description\":\"Hello\"}",
	  0, "name: contains a NUL character" },
	{ "json lone surrogate", 'j', "{\"name\":\"\\ud800\"}", 0,
	  "request body: invalid JSON" },
	{ "json array", 'j', "[\"site\"]", 0,
	  "request body: expected a JSON object" },
	{ "json truncated", 'j', "{\"source\": \"site\", \"name\": ", 0,
	  "request body: invalid JSON at line 1" },
	{ "json empty", 'j', "", 0, "request body: invalid JSON" },
	{ "json missing fields", 'j', "{\"name\":\"Ada\"}", 0,
	  "required fields missing: source, email, description" },
	{ "json CR/LF in name", 'j',
	  "{\"source\":\"site\",\"name\":\"Ada\\r\\nBcc: x@example.com\","
	  "\"email\":\"ada@example.com\",\"description\":\"Hello\"}",
	  0, "name: must be a single line" },
	{ "form valid", 'f',
	  "source=site&name=Ren%C3%A9e+O%27Brien&email=a%2Bb%40example.invalid"
	  "&description=2+%2B+2+%3D+4%0D%0Aok",
	  0, NULL },
	{ "form repeated email", 'f',
	  "source=site&name=Ada&email=a%40b.example&email=c%40d.example"
	  "&description=x",
	  0, "email: given more than once" },
	{ "form repeated unknown field ignored", 'f',
	  "source=site&name=Ada&email=a%40b.example&description=x&x=1&x=2", 0,
	  NULL },
	{ "form key without equals", 'f',
	  "source=site&name&email=a%40b.example&description=x", 0,
	  "name: required" },
	{ "form truncated UTF-8", 'f',
	  "source=site&name=%E2%82&email=a%40b.example&description=x", 0,
	  "name: not valid UTF-8" },
	{ "form bad escape", 'f',
	  "source=site&name=%zz&email=a%40b.example&description=x", 0,
	  "name: invalid percent-encoding" },
	{ "form NUL in description", 'f',
	  "source=site&name=Ada&email=a%40b.example&description=x%00y", 0,
	  "description: contains a NUL byte (%00)" },
	{ "form repeated _next", 'f',
	  "source=site&name=Ada&email=a%40b.example&description=x"
	  "&_next=a&_next=b", 0, "_next: given more than once" },
	{ "multipart valid", 'm',
	  "--XyZ\r\nContent-Disposition: form-data; name=\"source\"\r\n\r\nsite"
	  "\r\n--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n"
	  "Ada\r\n--XyZ\r\nContent-Disposition: form-data; name=\"email\"\r\n"
	  "\r\nada@example.com\r\n--XyZ\r\nContent-Disposition: form-data; "
	  "name=\"description\"\r\n\r\nLine one\r\nline two\r\n--XyZ--\r\n",
	  0, NULL },
	{ "multipart repeated email", 'm',
	  "--XyZ\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n"
	  "a@b.example\r\n--XyZ\r\nContent-Disposition: form-data; "
	  "name=\"email\"\r\n\r\nc@d.example\r\n--XyZ--", 0,
	  "email: given more than once" },
	{ "multipart NUL in name", 'm',
	  "--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n"
	  "Ad\0a\r\n--XyZ--", sizeof("--XyZ\r\nContent-Disposition: form-data; "
	  "name=\"name\"\r\n\r\nAd\0a\r\n--XyZ--") - 1,
	  "name: contains a NUL byte" },
	{ "multipart file part", 'm',
	  "--XyZ\r\nContent-Disposition: form-data; name=\"description\"; "
	  "filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
	  "--XyZ--", 0, "description: file uploads are not accepted" },
};

static void contact_readers_table(void **state)
{
	struct pg_contact_limits limits;

	(void)state;
	pg_contact_limits_init(&limits);
	for (size_t i = 0; i < sizeof(reader_cases) / sizeof(reader_cases[0]);
	     i++) {
		const struct reader_case *c = &reader_cases[i];
		size_t len = c->body_len ? c->body_len : strlen(c->body);
		struct pg_contact contact;
		struct pg_problem problem;
		int rc;

		pg_contact_init(&contact);
		pg_problem_init(&problem);
		if (c->kind == 'j')
			rc = pg_contact_from_json(&contact, c->body, len,
						  &problem);
		else if (c->kind == 'm')
			rc = pg_contact_from_multipart(
				&contact, "multipart/form-data; boundary=XyZ",
				c->body, len, &problem);
		else
			rc = pg_contact_from_form(&contact, c->body, len,
						  &problem);
		if (rc == 0)
			rc = pg_contact_validate(&contact, &limits, &problem);
		if (!c->error_part && rc != 0)
			fail_msg("%s: rejected: %s", c->label,
				 problem.error.msg);
		if (c->error_part) {
			if (rc != -1)
				fail_msg("%s: accepted", c->label);
			assert_int_equal(problem.status, 400);
			if (!strstr(problem.error.msg, c->error_part))
				fail_msg("%s: error \"%s\" lacks \"%s\"",
					 c->label, problem.error.msg,
					 c->error_part);
		}
		pg_contact_release(&contact);
	}
}

static void contact_form_decoded_values(void **state)
{
	static const char body[] =
		"source=site&name=Ren%C3%A9e+O%27Brien&email=a%2Bb%40example.invalid"
		"&description=2+%2B+2+%3D+4%0D%0Aok";
	struct pg_contact_limits limits;
	struct pg_contact contact;
	struct pg_problem problem;

	(void)state;
	pg_contact_limits_init(&limits);
	pg_contact_init(&contact);
	pg_problem_init(&problem);
	assert_int_equal(pg_contact_from_form(&contact, body, strlen(body),
					      &problem),
			 0);
	assert_int_equal(pg_contact_validate(&contact, &limits, &problem), 0);
	assert_string_equal(contact.values[PG_CONTACT_NAME],
			    "Ren\u00e9e O'Brien");
	assert_string_equal(contact.values[PG_CONTACT_EMAIL],
			    "a+b@example.invalid");
	assert_string_equal(contact.values[PG_CONTACT_DESCRIPTION],
			    "2 + 2 = 4\nok");
	pg_contact_release(&contact);
}

static void contact_json_escapes_decoded(void **state)
{
	static const char body[] =
		"{\"source\":\"site\",\"name\":\"Ren\\u00e9e \\ud83d\\ude00\","
		"\"email\":\"ada@example.com\",\"description\":"
		"\"a\\tb\\\\c\\/d\\u20ac\",\"_next\":\"https://site.example/t\"}";
	struct pg_contact_limits limits;
	struct pg_contact contact;
	struct pg_problem problem;

	(void)state;
	pg_contact_limits_init(&limits);
	pg_contact_init(&contact);
	pg_problem_init(&problem);
	assert_int_equal(pg_contact_from_json(&contact, body, strlen(body),
					      &problem),
			 0);
	assert_int_equal(pg_contact_validate(&contact, &limits, &problem), 0);
	/* U+1F600 from its surrogate pair is F0 9F 98 80 in UTF-8. */
	assert_string_equal(contact.values[PG_CONTACT_NAME],
			    "Ren\xc3\xa9" "e \xf0\x9f\x98\x80");
	assert_string_equal(contact.values[PG_CONTACT_DESCRIPTION],
			    "a\tb\\c/d\xe2\x82\xac");
	assert_string_equal(contact.next, "https://site.example/t");
	assert_false(contact.honeypot_filled);
	pg_contact_release(&contact);
}

struct honeypot_case {
	const char *label;
	char kind; /* 'j', 'f' or 'm' (boundary XyZ) */
	const char *body;
	bool filled;
};

#define MP_PART(name, value) \
	"--XyZ\r\nContent-Disposition: form-data; name=\"" name "\"\r\n\r\n" \
	value "\r\n"

static const struct honeypot_case honeypot_cases[] = {
	{ "form filled", 'f', "name=Ada&_gotcha=http%3A%2F%2Fspam", true },
	{ "form empty", 'f', "name=Ada&_gotcha=", false },
	{ "form absent", 'f', "name=Ada", false },
	{ "form second value filled", 'f', "_gotcha=&_gotcha=x", true },
	{ "form other name", 'f', "name=Ada&honey=x", false },
	{ "json filled", 'j', "{\"name\":\"Ada\",\"_gotcha\":\"x\"}", true },
	{ "json number", 'j', "{\"_gotcha\":0}", true },
	{ "json empty", 'j', "{\"name\":\"Ada\",\"_gotcha\":\"\"}", false },
	{ "json null", 'j', "{\"_gotcha\":null}", false },
	{ "multipart filled", 'm', MP_PART("name", "Ada")
	  MP_PART("_gotcha", "x") "--XyZ--", true },
	{ "multipart empty", 'm', MP_PART("_gotcha", "") "--XyZ--", false },
};

/* A filled honeypot is recorded, and pg_contact_read skips validation so
 * that the bot gets the success answer. */
static void contact_honeypot_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(honeypot_cases) /
				       sizeof(honeypot_cases[0]);
	     i++) {
		const struct honeypot_case *c = &honeypot_cases[i];
		struct pg_contact contact;
		struct pg_problem problem;
		int rc;

		pg_contact_init(&contact);
		contact.honeypot_field = PG_CONTACT_DEFAULT_HONEYPOT;
		pg_problem_init(&problem);
		if (c->kind == 'j')
			rc = pg_contact_from_json(&contact, c->body,
						  strlen(c->body), &problem);
		else if (c->kind == 'm')
			rc = pg_contact_from_multipart(
				&contact, "multipart/form-data; boundary=XyZ",
				c->body, strlen(c->body), &problem);
		else
			rc = pg_contact_from_form(&contact, c->body,
						  strlen(c->body), &problem);
		if (rc != 0)
			fail_msg("%s: rejected: %s", c->label,
				 problem.error.msg);
		if (contact.honeypot_filled != c->filled)
			fail_msg("%s: honeypot_filled is %d", c->label,
				 contact.honeypot_filled);
		pg_contact_release(&contact);
	}
}

static void contact_read_skips_checks_for_bots(void **state)
{
	static const char event_text[] =
		"{\"httpMethod\":\"POST\",\"path\":\"/contact\","
		"\"headers\":{\"Content-Type\":"
		"\"application/x-www-form-urlencoded\"},"
		"\"body\":\"email=not-an-address&_gotcha=x\"}";
	struct pg_contact_limits limits;
	struct pg_http_request req;
	struct pg_contact contact;
	struct pg_problem problem;
	struct pg_err err = { 0 };

	(void)state;
	pg_contact_limits_init(&limits);
	pg_http_request_init(&req);
	assert_int_equal(pg_http_request_decode(&req, event_text,
						strlen(event_text), 0, &err),
			 PG_EVENT_OK);
	pg_contact_init(&contact);
	contact.honeypot_field = "_gotcha";
	pg_problem_init(&problem);
	assert_int_equal(pg_contact_read(&contact, &req, &limits, &problem), 0);
	assert_true(contact.honeypot_filled);
	assert_int_equal(contact.body_kind, PG_BODY_FORM);
	assert_false(pg_problem_is_set(&problem));

	/* Without a honeypot name the same body is checked as usual. */
	pg_contact_release(&contact);
	pg_contact_init(&contact);
	assert_int_equal(pg_contact_read(&contact, &req, &limits, &problem),
			 -1);
	assert_false(contact.honeypot_filled);
	pg_contact_release(&contact);
	pg_http_request_release(&req);
}

/* ---- Content-Type dispatch ----------------------------------------- */

struct read_case {
	const char *label;
	const char *content_type; /* NULL: no header */
	const char *body;
	int status; /* 0: accepted */
	const char *error_part;
};

#define FORM_BODY "source=site&name=Ada&email=ada%40example.com&description=Hi"
#define JSON_BODY                                                       \
	"{\"source\":\"site\",\"name\":\"Ada\",\"email\":\"ada@example.com\"," \
	"\"description\":\"Hi\"}"

static const struct read_case read_cases[] = {
	{ "form", "application/x-www-form-urlencoded", FORM_BODY, 0, NULL },
	{ "form with charset", "application/x-www-form-urlencoded; charset=UTF-8",
	  FORM_BODY, 0, NULL },
	{ "form charset no space", "application/x-www-form-urlencoded;charset=utf-8",
	  FORM_BODY, 0, NULL },
	{ "form upper case", "APPLICATION/X-WWW-FORM-URLENCODED ; CHARSET=UTF-8",
	  FORM_BODY, 0, NULL },
	{ "json", "application/json", JSON_BODY, 0, NULL },
	{ "json with charset", "application/json; charset=utf-8", JSON_BODY, 0,
	  NULL },
	{ "sniffed json", NULL, "  \n" JSON_BODY, 0, NULL },
	{ "sniffed form", NULL, FORM_BODY, 0, NULL },
	{ "empty content type sniffed", "", FORM_BODY, 0, NULL },
	{ "json body sent as form", "application/x-www-form-urlencoded",
	  JSON_BODY, 400, "required" },
	{ "multipart", "multipart/form-data; boundary=XyZ",
	  "--XyZ\r\nContent-Disposition: form-data; name=source\r\n\r\nsite\r\n"
	  "--XyZ\r\nContent-Disposition: form-data; name=name\r\n\r\nAda\r\n"
	  "--XyZ\r\nContent-Disposition: form-data; name=email\r\n\r\n"
	  "ada@example.com\r\n--XyZ\r\nContent-Disposition: form-data; "
	  "name=description\r\n\r\nHi\r\n--XyZ--\r\n", 0, NULL },
	{ "multipart without boundary", "multipart/form-data", "--XyZ--", 400,
	  "needs a boundary parameter" },
	{ "multipart/mixed", "multipart/mixed; boundary=XyZ", "--XyZ--", 415,
	  "application/x-www-form-urlencoded or multipart/form-data" },
	{ "text", "text/plain", "hello", 415, "\"text/plain\" is not supported" },
	{ "empty body", "application/x-www-form-urlencoded", "", 400,
	  "required fields missing: source, name, email, description" },
};

static void contact_read_content_types(void **state)
{
	struct pg_contact_limits limits;

	(void)state;
	pg_contact_limits_init(&limits);
	for (size_t i = 0; i < sizeof(read_cases) / sizeof(read_cases[0]); i++) {
		const struct read_case *c = &read_cases[i];
		struct pg_http_request req;
		struct pg_contact contact;
		struct pg_problem problem;
		struct pg_err err = { 0 };
		json_t *event = json_pack("{s:s, s:s, s:s}", "httpMethod",
					  "POST", "path", "/contact", "body",
					  c->body);
		char *text;
		int rc;

		if (c->content_type)
			json_object_set_new(event, "headers",
					    json_pack("{s:s}", "Content-Type",
						      c->content_type));
		text = json_dumps(event, 0);
		pg_http_request_init(&req);
		assert_int_equal(pg_http_request_decode(&req, text, strlen(text),
							0, &err),
				 PG_EVENT_OK);
		pg_contact_init(&contact);
		pg_problem_init(&problem);
		rc = pg_contact_read(&contact, &req, &limits, &problem);
		if (!c->status && rc != 0)
			fail_msg("%s: rejected: %s", c->label,
				 problem.error.msg);
		if (c->status) {
			if (rc != -1)
				fail_msg("%s: accepted", c->label);
			assert_int_equal(problem.status, c->status);
			if (!strstr(problem.error.msg, c->error_part))
				fail_msg("%s: error \"%s\" lacks \"%s\"",
					 c->label, problem.error.msg,
					 c->error_part);
		}
		pg_contact_release(&contact);
		pg_http_request_release(&req);
		free(text);
		json_decref(event);
	}
}

/* ---- Notification --------------------------------------------------- */

static void contact_notification_event(void **state)
{
	const char *values[PG_CONTACT_FIELD_COUNT] = {
		"site\nfooter", "Ren\u00e9e O'Brien", "a+b@example.invalid",
		"2 + 2 = 4\nok",
	};
	struct pg_contact contact;
	struct pg_buf out;
	json_t *event;

	(void)state;
	set_values(&contact, values);
	pg_buf_init(&out, 0);
	assert_int_equal(pg_contact_notification(&contact, &out), 0);
	event = json_loadb(out.data, out.len, 0, NULL);
	assert_non_null(event);
	assert_int_equal(json_object_size(event), 2);
	assert_string_equal(json_string_value(json_object_get(event, "title")),
			    "New message from site footer");
	assert_string_equal(json_string_value(json_object_get(event, "message")),
			    "Source: site footer\nName: Ren\u00e9e O'Brien\n"
			    "Mail: a+b@example.invalid\n"
			    "Description: 2 + 2 = 4\nok");
	json_decref(event);
	pg_buf_release(&out);
	pg_contact_release(&contact);
}

static void contact_notification_source_separators(void **state)
{
	const char *values[PG_CONTACT_FIELD_COUNT] = {
		"a\xe2\x80\xa8" "b\xe2\x80\xa9" "c", GOOD_NAME, GOOD_EMAIL,
		GOOD_TEXT,
	};
	struct pg_contact contact;
	struct pg_buf out;
	json_t *event;

	(void)state;
	set_values(&contact, values);
	pg_buf_init(&out, 0);
	assert_int_equal(pg_contact_notification(&contact, &out), 0);
	event = json_loadb(out.data, out.len, 0, NULL);
	assert_non_null(event);
	/* U+2028 and U+2029 break lines too, so they become spaces. */
	assert_string_equal(json_string_value(json_object_get(event, "title")),
			    "New message from a b c");
	assert_non_null(strstr(json_string_value(json_object_get(event,
								  "message")),
			       "Source: a b c\nName: "));
	json_decref(event);
	pg_buf_release(&out);
	pg_contact_release(&contact);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(contact_field_rules_table),
		cmocka_unit_test(contact_all_missing_named),
		cmocka_unit_test(contact_normalises_values),
		cmocka_unit_test(contact_nul_byte_rejected),
		cmocka_unit_test(contact_length_caps_table),
		cmocka_unit_test(contact_email_byte_limits),
		cmocka_unit_test(contact_readers_table),
		cmocka_unit_test(contact_form_decoded_values),
		cmocka_unit_test(contact_json_escapes_decoded),
		cmocka_unit_test(contact_honeypot_table),
		cmocka_unit_test(contact_read_skips_checks_for_bots),
		cmocka_unit_test(contact_read_content_types),
		cmocka_unit_test(contact_notification_event),
		cmocka_unit_test(contact_notification_source_separators),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
