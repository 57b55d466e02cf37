/* libcurl through dlopen: the function table, its one-time load, the CA
 * bundle and the options every handle shares. */
#include "common/curl_lazy.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Each member of struct pg_curl must have the type of the function it
 * holds, or a call through it would be undefined behaviour. The header's
 * curl_easy_setopt may be a type-checking macro; naming it without
 * parentheses refers to the function itself. */
#define PG_CURL_CHECK(member, function)                                            \
	_Static_assert(__builtin_types_compatible_p(                                 \
			       __typeof__(((struct pg_curl *)0)->member),            \
			       __typeof__(&function)),                               \
		       "struct pg_curl: " #member " does not match " #function)

PG_CURL_CHECK(easy_init, curl_easy_init);
PG_CURL_CHECK(easy_setopt, curl_easy_setopt);
PG_CURL_CHECK(easy_perform, curl_easy_perform);
PG_CURL_CHECK(easy_getinfo, curl_easy_getinfo);
PG_CURL_CHECK(easy_cleanup, curl_easy_cleanup);
PG_CURL_CHECK(easy_strerror, curl_easy_strerror);
PG_CURL_CHECK(slist_append, curl_slist_append);
PG_CURL_CHECK(slist_free_all, curl_slist_free_all);
PG_CURL_CHECK(version_info, curl_version_info);

/* Where systems keep their CA bundle, in the order tried. Amazon Linux 2023
 * (the provided.al2023 image) follows Fedora's layout, whose first entry
 * links to the extracted bundle in the third. */
static const char *const ca_files[] = {
	"/etc/pki/tls/certs/ca-bundle.crt",                  /* Amazon Linux, Fedora, RHEL */
	"/etc/ssl/certs/ca-certificates.crt",                /* Debian, Ubuntu, Alpine */
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* Fedora, RHEL */
	"/etc/ssl/certs/ca-bundle.crt",                      /* older RHEL, openSUSE */
	"/etc/ssl/cert.pem",                                 /* Alpine, BSDs */
};

/* Debian's libcurl (OpenSSL) reaches GnuTLS only through librtmp, and
 * pigeon's handles allow http and https alone, so GnuTLS is never called.
 * Its library constructor would still initialise it during the dlopen
 * (about 0.2 ms on the bench machine). With this variable set to 1, GnuTLS
 * 3.3.0 and later leaves that to the first gnutls_global_init call. It is
 * set only around the dlopen, unless the environment already has it. */
#define GNUTLS_SKIP_INIT "GNUTLS_NO_IMPLICIT_INIT"

static struct pg_curl table;
static void *library;
static char load_error[320];
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

/* dlsym returns void *; POSIX guarantees that it converts to a function
 * pointer, which ISO C alone does not, hence the memcpy. */
static bool resolve(const char *name, void *slot, size_t slot_size)
{
	void *symbol = dlsym(library, name);

	if (!symbol) {
		const char *cause = dlerror();

		snprintf(load_error, sizeof(load_error), "libcurl: %s", cause ? cause : name);
		return false;
	}
	memcpy(slot, &symbol, slot_size);
	return true;
}

#define PG_CURL_RESOLVE(member, function) \
	resolve(#function, &loaded.member, sizeof(loaded.member))

static void load(void)
{
	struct pg_curl loaded = { 0 };
	CURLcode (*global_init)(long flags) = NULL;
	const curl_version_info_data *version;
	bool skip_gnutls;

	/* Lazy binding defers the symbol lookups of the libraries libcurl
	 * pulls in (LDAP, SSH, Kerberos, ...) that pigeon never calls; about
	 * 0.75 ms of the first call on the bench machine. */
	skip_gnutls = !getenv(GNUTLS_SKIP_INIT);
	if (skip_gnutls)
		setenv(GNUTLS_SKIP_INIT, "1", 0);
	library = dlopen(PG_CURL_SONAME, RTLD_LAZY | RTLD_LOCAL);
	if (skip_gnutls)
		unsetenv(GNUTLS_SKIP_INIT);
	if (!library) {
		const char *cause = dlerror();

		snprintf(load_error, sizeof(load_error), "libcurl: %s",
			 cause ? cause : "dlopen(" PG_CURL_SONAME ") failed");
		return;
	}
	if (!PG_CURL_RESOLVE(easy_init, curl_easy_init) ||
	    !PG_CURL_RESOLVE(easy_setopt, curl_easy_setopt) ||
	    !PG_CURL_RESOLVE(easy_perform, curl_easy_perform) ||
	    !PG_CURL_RESOLVE(easy_getinfo, curl_easy_getinfo) ||
	    !PG_CURL_RESOLVE(easy_cleanup, curl_easy_cleanup) ||
	    !PG_CURL_RESOLVE(easy_strerror, curl_easy_strerror) ||
	    !PG_CURL_RESOLVE(slist_append, curl_slist_append) ||
	    !PG_CURL_RESOLVE(slist_free_all, curl_slist_free_all) ||
	    !PG_CURL_RESOLVE(version_info, curl_version_info) ||
	    !resolve("curl_global_init", &global_init, sizeof(global_init)))
		return;

	version = loaded.version_info(CURLVERSION_NOW);
	if (!version || version->version_num < PG_CURL_MIN_VERSION) {
		snprintf(load_error, sizeof(load_error),
			 "libcurl: version %s is older than 7.85.0, the oldest supported",
			 version && version->version ? version->version : "unknown");
		return;
	}
	if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(load_error, sizeof(load_error), "libcurl: curl_global_init failed");
		return;
	}
	/* The library stays loaded until exit: handles may outlive any caller. */
	table = loaded;
}

const struct pg_curl *pg_curl_get(struct pg_err *err)
{
	pthread_once(&load_once, load);
	if (!table.easy_init) {
		pg_err_set(err, "%s", load_error);
		return NULL;
	}
	return &table;
}

static const char *env_value(const char *name)
{
	const char *value = getenv(name);

	return value && *value ? value : NULL;
}

const char *pg_curl_ca_file(void)
{
	const char *file = env_value("SSL_CERT_FILE");

	if (file)
		return file;
	for (size_t i = 0; i < sizeof(ca_files) / sizeof(ca_files[0]); i++)
		if (access(ca_files[i], R_OK) == 0)
			return ca_files[i];
	return NULL;
}

const char *pg_curl_ca_dir(void)
{
	return env_value("SSL_CERT_DIR");
}

CURL *pg_curl_handle_new(const char *who, char *error_buffer, const struct pg_curl **curl_out,
			 struct pg_err *err)
{
	const struct pg_curl *curl;
	const char *ca_file;
	const char *ca_dir;
	CURL *handle;

	curl = pg_curl_get(err);
	if (!curl)
		return NULL;
	handle = curl->easy_init();
	if (!handle) {
		pg_err_set(err, "%s: curl_easy_init failed", who);
		return NULL;
	}

	curl->easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
	curl->easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
	curl->easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
	curl->easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
	curl->easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);
	curl->easy_setopt(handle, CURLOPT_USERAGENT, "pigeon");

	/* A libcurl built on another system looks for the CA bundle where
	 * that system keeps it, so the path is set from this one. */
	ca_file = pg_curl_ca_file();
	ca_dir = pg_curl_ca_dir();
	if ((ca_file && curl->easy_setopt(handle, CURLOPT_CAINFO, ca_file) == CURLE_OUT_OF_MEMORY) ||
	    (ca_dir && curl->easy_setopt(handle, CURLOPT_CAPATH, ca_dir) == CURLE_OUT_OF_MEMORY)) {
		pg_err_set(err, "%s: out of memory setting the CA bundle", who);
		curl->easy_cleanup(handle);
		return NULL;
	}
	*curl_out = curl;
	return handle;
}
