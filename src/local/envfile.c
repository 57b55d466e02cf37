#include "local/local.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

void pg_env_list_init(struct pg_env_list *list)
{
	list->cap = 8;
	list->count = 0;
	list->entries = pg_calloc(list->cap, sizeof(char *));
}

void pg_env_list_release(struct pg_env_list *list)
{
	if (!list || !list->entries)
		return;
	for (size_t i = 0; i < list->count; i++)
		free(list->entries[i]);
	free(list->entries);
	list->entries = NULL;
	list->count = 0;
	list->cap = 0;
}

static ssize_t find_key(const struct pg_env_list *list, const char *key)
{
	size_t key_len = strlen(key);

	for (size_t i = 0; i < list->count; i++)
		if (!strncmp(list->entries[i], key, key_len) &&
		    list->entries[i][key_len] == '=')
			return (ssize_t)i;
	return -1;
}

void pg_env_list_set(struct pg_env_list *list, const char *key,
		     const char *value)
{
	size_t key_len = strlen(key);
	size_t value_len = strlen(value);
	char *entry = pg_malloc(key_len + value_len + 2);
	ssize_t at = find_key(list, key);

	memcpy(entry, key, key_len);
	entry[key_len] = '=';
	memcpy(entry + key_len + 1, value, value_len + 1);
	if (at >= 0) {
		free(list->entries[at]);
		list->entries[at] = entry;
		return;
	}
	/* Keep room for the NULL that ends an envp array. */
	if (list->count + 2 > list->cap) {
		list->cap *= 2;
		list->entries = pg_realloc(list->entries,
					   list->cap * sizeof(char *));
	}
	list->entries[list->count++] = entry;
	list->entries[list->count] = NULL;
}

const char *pg_env_list_get(const struct pg_env_list *list, const char *key)
{
	ssize_t at = find_key(list, key);

	return at < 0 ? NULL : list->entries[at] + strlen(key) + 1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool is_key_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_key_char(char c)
{
	return is_key_start(c) || (c >= '0' && c <= '9');
}

/* Parses the value part of one line, [p, end), into value. */
static int parse_value(const char *p, const char *end, struct pg_buf *value,
		       size_t line_no, struct pg_err *err)
{
	char quote;

	while (p < end && is_blank(*p))
		p++;
	if (p == end)
		return 0;

	if (*p != '"' && *p != '\'') {
		const char *stop = p;

		/* An unquoted value ends at a comment: '#' after a blank. */
		while (stop < end && !(*stop == '#' && stop > p &&
				       is_blank(stop[-1])))
			stop++;
		while (stop > p && is_blank(stop[-1]))
			stop--;
		if (pg_buf_append(value, p, (size_t)(stop - p)) < 0)
			goto too_long;
		return 0;
	}

	quote = *p++;
	for (;;) {
		char c;

		if (p == end) {
			pg_err_set(err, "line %zu: missing closing %c quote",
				   line_no, quote);
			return -1;
		}
		c = *p++;
		if (c == quote)
			break;
		if (quote == '"' && c == '\\' && p < end) {
			char next = *p++;

			switch (next) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case '\\': c = '\\'; break;
			case '"': c = '"'; break;
			default:
				pg_err_set(err,
					   "line %zu: unknown escape \\%c in a double-quoted value (use \\\\, \\\", \\n or \\t)",
					   line_no, next);
				return -1;
			}
		}
		if (pg_buf_append(value, &c, 1) < 0)
			goto too_long;
	}

	/* After the closing quote only blanks and a comment may follow. */
	while (p < end && is_blank(*p))
		p++;
	if (p < end && *p != '#') {
		pg_err_set(err, "line %zu: unexpected text after the closing %c quote",
			   line_no, quote);
		return -1;
	}
	return 0;

too_long:
	pg_err_set(err, "line %zu: value longer than %u bytes", line_no,
		   PG_ENVFILE_MAX_BYTES);
	return -1;
}

/* Parses one line without its newline; empty and comment lines set
 * nothing. */
static int parse_line(const char *p, const char *end, struct pg_env_list *out,
		      size_t line_no, struct pg_err *err)
{
	struct pg_buf key;
	struct pg_buf value;
	const char *key_start;
	int result = -1;

	pg_buf_init(&key, 256);
	pg_buf_init(&value, PG_ENVFILE_MAX_BYTES);

	while (p < end && is_blank(*p))
		p++;
	if (p == end || *p == '#') {
		result = 0;
		goto out;
	}
	if ((size_t)(end - p) > 7 && !strncmp(p, "export", 6) &&
	    is_blank(p[6])) {
		p += 7;
		while (p < end && is_blank(*p))
			p++;
	}

	key_start = p;
	if (p == end || !is_key_start(*p)) {
		pg_err_set(err,
			   "line %zu: expected KEY=VALUE, where KEY starts with a letter or '_'",
			   line_no);
		goto out;
	}
	while (p < end && is_key_char(*p))
		p++;
	if (pg_buf_append(&key, key_start, (size_t)(p - key_start)) < 0) {
		pg_err_set(err, "line %zu: name longer than 255 bytes", line_no);
		goto out;
	}
	while (p < end && is_blank(*p))
		p++;
	if (p == end || *p != '=') {
		pg_err_set(err, "line %zu: missing '=' after %s", line_no,
			   key.data);
		goto out;
	}
	p++;

	if (parse_value(p, end, &value, line_no, err) < 0)
		goto out;
	if (memchr(value.data ? value.data : "", '\0', value.len)) {
		pg_err_set(err, "line %zu: value contains a NUL byte", line_no);
		goto out;
	}
	pg_env_list_set(out, key.data, value.data ? value.data : "");
	result = 0;

out:
	pg_buf_release(&key);
	pg_buf_release(&value);
	return result;
}

int pg_envfile_parse(const char *text, size_t len, struct pg_env_list *out,
		     struct pg_err *err)
{
	const char *p = text;
	const char *end = text + len;
	size_t line_no = 0;

	if (len > PG_ENVFILE_MAX_BYTES) {
		pg_err_set(err, "larger than %u bytes", PG_ENVFILE_MAX_BYTES);
		return -1;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;

		line_no++;
		if (memchr(p, '\0', (size_t)(line_end - p))) {
			pg_err_set(err, "line %zu: contains a NUL byte", line_no);
			return -1;
		}
		if (parse_line(p, line_end, out, line_no, err) < 0)
			return -1;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int pg_envfile_load(const char *path, struct pg_env_list *out,
		    struct pg_err *err)
{
	struct pg_buf text;
	struct pg_err parse_err = {{0}};
	FILE *f = NULL;
	char chunk[8192];
	size_t n;
	int result = -1;

	pg_buf_init(&text, PG_ENVFILE_MAX_BYTES);
	f = fopen(path, "rb");
	if (!f) {
		pg_err_set(err, "env file %s: %s", path, strerror(errno));
		goto out;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (pg_buf_append(&text, chunk, n) < 0) {
			pg_err_set(err, "env file %s: larger than %u bytes",
				   path, PG_ENVFILE_MAX_BYTES);
			goto out;
		}
	}
	if (ferror(f)) {
		pg_err_set(err, "env file %s: read failed", path);
		goto out;
	}
	if (pg_envfile_parse(text.data ? text.data : "", text.len, out,
			     &parse_err) < 0) {
		pg_err_set(err, "env file %s: %s", path, parse_err.msg);
		goto out;
	}
	result = 0;

out:
	if (f)
		fclose(f);
	pg_buf_release(&text);
	return result;
}
