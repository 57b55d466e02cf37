/* The responses a browser gets when it posts the contact form without
 * JavaScript: a 303 redirect, or a small HTML page. */
#include "web/web.h"

#include <stdio.h>
#include <string.h>

#include "common/text.h"

#define PAGE_HEAD \
	"<!DOCTYPE html>\n" \
	"<html lang=\"en\">\n" \
	"<head>\n" \
	"<meta charset=\"utf-8\">\n" \
	"<meta name=\"viewport\" content=\"width=device-width, " \
	"initial-scale=1\">\n"
#define PAGE_STYLE \
	"<style>body { font-family: system-ui, sans-serif; max-width: 40rem; " \
	"margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }</style>\n"
#define PAGE_TAIL "</main>\n</body>\n</html>\n"

/* Replaces resp by page with status. A page of a few kilobytes fits any
 * sensible body maximum, and if not, the client still gets the status. */
static void respond_html(struct pg_http_response *resp, int status,
			 const struct pg_buf *page)
{
	resp->status = status;
	resp->body_base64 = false;
	pg_buf_reset(&resp->body);
	pg_http_response_set_header(resp, "Content-Type",
				    "text/html; charset=utf-8");
	pg_http_response_set_header(resp, "Cache-Control", "no-store");
	if (page->len && pg_buf_append(&resp->body, page->data, page->len) < 0)
		pg_buf_reset(&resp->body);
}

void pg_respond_html_thanks(struct pg_http_response *resp)
{
	struct pg_buf page;

	pg_buf_init(&page, 0);
	/* The buffer has no maximum, so the append cannot fail. */
	if (pg_buf_append_str(&page,
			      PAGE_HEAD
			      "<title>Message sent</title>\n" PAGE_STYLE
			      "</head>\n<body>\n<main>\n"
			      "<h1>Thank you</h1>\n"
			      "<p>Your message has been sent.</p>\n"
			      PAGE_TAIL) < 0)
		pg_buf_reset(&page);
	respond_html(resp, 200, &page);
	pg_buf_release(&page);
}

static int append_problem_page(struct pg_buf *page,
			       const struct pg_problem *problem,
			       const char *back_url)
{
	if (pg_buf_append_str(page, PAGE_HEAD
			      "<title>Message not sent</title>\n" PAGE_STYLE
			      "</head>\n<body>\n<main>\n"
			      "<h1>Your message was not sent</h1>\n") < 0)
		return -1;

	if (problem->field_count) {
		if (pg_buf_append_str(page, "<p>Please correct these fields "
					    "and send the form again:</p>\n"
					    "<ul>\n") < 0)
			return -1;
		for (size_t i = 0; i < problem->field_count; i++) {
			if (pg_buf_append_str(page, "<li><strong>") < 0 ||
			    pg_html_escape(page, problem->fields[i].name) < 0 ||
			    pg_buf_append_str(page, "</strong>: ") < 0 ||
			    pg_html_escape(page, problem->fields[i].message) < 0 ||
			    pg_buf_append_str(page, "</li>\n") < 0)
				return -1;
		}
		if (pg_buf_append_str(page, "</ul>\n") < 0)
			return -1;
	} else {
		if (pg_buf_append_str(page, "<p>") < 0 ||
		    pg_html_escape(page, pg_err_is_set(&problem->error) ?
						 problem->error.msg :
						 "the request is invalid") < 0 ||
		    pg_buf_append_str(page, "</p>\n") < 0)
			return -1;
	}

	if (back_url) {
		if (pg_buf_append_str(page, "<p><a href=\"") < 0 ||
		    pg_html_escape(page, back_url) < 0 ||
		    pg_buf_append_str(page, "\">Back to the form</a></p>\n") < 0)
			return -1;
	} else if (pg_buf_append_str(page, "<p>Go back to the form with your "
					   "browser's Back button.</p>\n") < 0) {
		return -1;
	}
	return pg_buf_append_str(page, PAGE_TAIL);
}

void pg_respond_html_problem(struct pg_http_response *resp,
			     const struct pg_problem *problem,
			     const char *back_url)
{
	struct pg_buf page;

	pg_buf_init(&page, 0);
	if (append_problem_page(&page, problem, back_url) < 0)
		pg_buf_reset(&page);
	respond_html(resp, problem->status ? problem->status : 400, &page);
	pg_buf_release(&page);
}

void pg_respond_redirect(struct pg_http_response *resp, const char *url)
{
	resp->status = 303;
	resp->body_base64 = false;
	pg_buf_reset(&resp->body);
	pg_http_response_set_header(resp, "Location", url);
	pg_http_response_set_header(resp, "Cache-Control", "no-store");
}
