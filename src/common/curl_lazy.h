/* libcurl, loaded when a function first needs it.
 *
 * Linking libcurl directly makes the dynamic loader map it and its thirty-odd
 * dependencies (OpenSSL, nghttp2, libssh2, Kerberos, LDAP, ...) at every exec,
 * a few milliseconds before main runs, although a function may never make an
 * outgoing call. The bootstraps therefore do not link it: pg_curl_get()
 * dlopen()s "libcurl.so.4" on first use, resolves the functions pigeon calls
 * into struct pg_curl and calls curl_global_init once.
 *
 * The loader searches the usual places: the executable's DT_RPATH (the
 * packages set it to $ORIGIN/lib), LD_LIBRARY_PATH, the ld.so cache and the
 * default folders. The types and constants still come from <curl/curl.h>;
 * only the symbols are looked up at run time. */
#ifndef PG_CURL_LAZY_H
#define PG_CURL_LAZY_H

#include <curl/curl.h>

#include "common/err.h"

/* The soname that is loaded: libcurl's ABI 4, stable since 7.16. */
#define PG_CURL_SONAME "libcurl.so.4"

/* The oldest libcurl accepted: 7.85.0 added CURLOPT_PROTOCOLS_STR, and
 * CURLOPT_AWS_SIGV4 is older (7.75.0). */
#define PG_CURL_MIN_VERSION 0x075500

/* The libcurl functions pigeon calls, with the prototypes of <curl/curl.h>
 * (curl_lazy.c checks each one against the header at compile time). */
struct pg_curl {
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
	CURLcode (*easy_perform)(CURL *curl);
	CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *curl);
	const char *(*easy_strerror)(CURLcode code);
	struct curl_slist *(*slist_append)(struct curl_slist *list,
					   const char *text);
	void (*slist_free_all)(struct curl_slist *list);
	curl_version_info_data *(*version_info)(CURLversion stamp);
};

/* Loads libcurl and initialises it on the first call; later calls return
 * the same table, which stays valid until the process exits. Returns NULL
 * with err naming the cause: dlopen's or dlsym's message, or a libcurl older
 * than PG_CURL_MIN_VERSION. A failed load is not retried, so every later
 * call reports the same cause. Thread-safe. */
const struct pg_curl *pg_curl_get(struct pg_err *err);

/* Returns the CA bundle that pg_curl_handle_new gives libcurl: the value of
 * SSL_CERT_FILE when set, else the first existing file of a list that covers
 * Amazon Linux (provided.al2023), Fedora, RHEL, Debian, Ubuntu and Alpine;
 * NULL when none exists, which leaves libcurl's built-in default. The string
 * is borrowed from the environment or a constant. */
const char *pg_curl_ca_file(void);

/* Returns SSL_CERT_DIR when set (a folder of hashed certificate names for
 * CURLOPT_CAPATH), else NULL. Borrowed from the environment. */
const char *pg_curl_ca_dir(void);

/* Creates an easy handle with the options every pigeon call shares: no
 * signals, HTTP and HTTPS only, no redirects, TCP keep-alive, the user agent
 * "pigeon", error text in error_buffer (CURL_ERROR_SIZE bytes, borrowed for
 * the handle's life) and the CA bundle of pg_curl_ca_file and pg_curl_ca_dir.
 * who names the caller in errors ("Lambda Invoke: ..."). Returns the handle
 * (free with curl->easy_cleanup) and sets *curl_out to the table, or NULL
 * with err. CURLOPT_VERBOSE stays off because its trace would show request
 * bodies and headers that carry secrets. */
CURL *pg_curl_handle_new(const char *who, char *error_buffer,
			 const struct pg_curl **curl_out, struct pg_err *err);

#endif
