/* Checks that the form page compiled into pigeon (src/local/form_page.c)
 * is exactly web/form.html, and that the page keeps its contract with the
 * api function. Regenerate with /usr/bin/python3 src/local/form_page.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "local/form_page.c"

/* Reads web/form.html: from the current folder (the repository root, as
 * scripts/run-tests runs), else two folders above this binary. */
static char *read_form_html(void)
{
	char path[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n;
	FILE *f = fopen("web/form.html", "rb");
	char *text;
	long len;

	if (!f) {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		assert_true(n > 0);
		exe[n] = '\0';
		snprintf(path, sizeof(path), "%s/../../web/form.html", dirname(exe));
		f = fopen(path, "rb");
	}
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len > 0);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return text;
}

static void form_page_matches_html_file(void **state)
{
	char *html = read_form_html();

	(void)state;
	if (strcmp(html, pg_form_page_html))
		fail_msg("src/local/form_page.c differs from web/form.html; run "
			 "/usr/bin/python3 src/local/form_page.py");
	free(html);
}

static void form_page_has_contract_fields(void **state)
{
	static const char *const parts[] = {
		"<html lang=\"en\">",
		"method=\"post\"",
		"action=\"/contact\"",
		"enctype=\"multipart/form-data\"",
		/* maxlength matches the server's caps (web/web.h). */
		"type=\"hidden\" name=\"source\" value=\"pigeon-form\" maxlength=\"200\"",
		"<label for=\"name\">",
		"name=\"name\" required maxlength=\"200\"",
		"<label for=\"email\">",
		"type=\"email\" id=\"email\" name=\"email\" required maxlength=\"254\"",
		"<label for=\"description\">",
		"<textarea id=\"description\" name=\"description\" required maxlength=\"1000\"",
		/* Each field's error message is tied to it. */
		"aria-describedby=\"name-error\"",
		"<p class=\"error\" id=\"name-error\">",
		"aria-describedby=\"email-error\"",
		"<p class=\"error\" id=\"email-error\">",
		"aria-describedby=\"description-error\"",
		"<p class=\"error\" id=\"description-error\">",
		/* The status is announced, and the honeypot is hidden from
		 * people and assistive technology under the default name. */
		"role=\"status\"",
		"aria-hidden=\"true\"",
		"name=\"_gotcha\" tabindex=\"-1\" autocomplete=\"off\"",
		/* JavaScript sends JSON and reads the per-field errors. */
		"\"Content-Type\": \"application/json\"",
		"answer.body.fields",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (!strstr(pg_form_page_html, parts[i]))
			fail_msg("form page lacks %s", parts[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(form_page_matches_html_file),
		cmocka_unit_test(form_page_has_contract_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
