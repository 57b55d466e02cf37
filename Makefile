# pigeon: contact-form API and notification service as C Lambda functions.
#
#   make            build the two bootstraps and the pigeon CLI
#   make run        install what is missing, build, start `pigeon serve`
#   make test       install what is missing, build, run every test, then the
#                   whole suite again under AddressSanitizer and UBSan
#   make fuzz       build the libFuzzer targets and run each for FUZZ_SECONDS
#
# Variables: CC (gcc or clang), SAN=1 (sanitizer build into build-san/).

CC ?= cc
SAN ?=
BUILD ?= $(if $(SAN),build-san,build)
FUZZ_SECONDS ?= 60

PKG_CFLAGS := $(shell pkg-config --cflags libcurl jansson 2>/dev/null)
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2
CFLAGS ?= -O2 -g
SANITIZERS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_FLAGS := $(if $(SAN),$(SANITIZERS))
ALL_CFLAGS := -std=c17 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SAN_FLAGS) -Isrc $(PKG_CFLAGS) -MMD -MP
LDFLAGS ?=
ALL_LDFLAGS := -Wl,--as-needed $(SAN_FLAGS) $(LDFLAGS)

LIB_SRCS := $(wildcard src/common/*.c src/log/*.c src/runtime/*.c \
	src/events/*.c src/web/*.c src/aws/*.c src/channels/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
LIB := $(BUILD)/libpigeon.a

API_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard src/functions/api/*.c))
NOTIFY_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard src/functions/notifications/*.c))
LOCAL_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard src/local/*.c))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/tests/%)
FUZZ_SRCS := $(wildcard fuzz/fuzz_*.c)

# The bootstraps load libcurl with dlopen when a call first needs it
# (src/common/curl_lazy.h), so they do not link it.
FUNCTION_LIBS := -ldl -ljansson -lm
LOCAL_LIBS := -lmicrohttpd -lsqlite3 -lcurl -ljansson -lpthread -lm

BINS := $(BUILD)/api/bootstrap $(BUILD)/notifications/bootstrap $(BUILD)/pigeon

.PHONY: all deps run test unit integration fuzz fuzz-build clean package \
	infra-deps infra-test deploy bench
all: $(BINS)

deps:
	@scripts/install-deps

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/api/bootstrap: $(API_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(FUNCTION_LIBS)

$(BUILD)/notifications/bootstrap: $(NOTIFY_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(FUNCTION_LIBS)

$(BUILD)/pigeon: $(LOCAL_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LOCAL_LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lcmocka $(LOCAL_LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/helpers/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LOCAL_LIBS)

# A .env file in the top folder, when present, supplies settings.
run: deps all
	$(BUILD)/pigeon serve $(if $(wildcard .env),--env-file .env) $(SERVE_FLAGS)

# See scripts/test-all: gcc build, sanitizer build, fuzz smoke, CDK tests.
test: deps
	scripts/test-all

tests-build: $(BINS) $(UNIT_BINS) $(HELPER_BINS)

unit: $(UNIT_BINS)
	@for t in $(UNIT_BINS); do $$t || exit 1; done

FUZZ_CFLAGS := -std=c17 -D_GNU_SOURCE $(WARN) -O1 -g -Isrc $(PKG_CFLAGS) \
	-fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer
FUZZ_BINS := $(FUZZ_SRCS:fuzz/%.c=build-fuzz/%)

FUZZ_LIB := build-fuzz/libpigeon-fuzz.a
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=build-fuzz/obj/%.o)

build-fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

build-fuzz/%: fuzz/%.c $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIB) $(LOCAL_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@for f in $(FUZZ_BINS); do \
		name=$$(basename $$f); mkdir -p build-fuzz/corpus/$$name; \
		echo "fuzz: $$name for $(FUZZ_SECONDS) s"; \
		mkdir -p fuzz/corpus/$$name; \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
			build-fuzz/corpus/$$name fuzz/corpus/$$name 2>build-fuzz/$$name.log \
			|| { tail -40 build-fuzz/$$name.log; exit 1; }; \
	done

# Release zips for Lambda's provided.al2023 runtime, see scripts/package.
# DLOPEN_LIBS are loaded with dlopen, so ldd does not list them.
DLOPEN_LIBS := libcurl.so.4
package: deps
	$(MAKE) BUILD=build-release CFLAGS="-O2" all
	scripts/package build-release/api/bootstrap dist/api.zip $(DLOPEN_LIBS)
	scripts/package build-release/notifications/bootstrap dist/notifications.zip $(DLOPEN_LIBS)

# Benchmarks against the loopback floor and the alternatives; see bench/.
bench: deps
	bench/run

# The CDK app's packages come from the npm registry on first use only.
infra-deps:
	cd infra && { [ node_modules/.package-lock.json -nt package-lock.json ] || \
		npm ci --no-audit --no-fund; }

infra-test: infra-deps
	cd infra && npm test

# Deploys both stacks with the settings of .env (see infra/README.md).
deploy: package infra-deps
	cd infra && set -a && { [ ! -f ../.env ] || . ../.env; } && set +a && \
	export VERSION="$${VERSION:-$$(git describe --always --dirty 2>/dev/null || echo dev)}" && \
	npm run cdk -- deploy --all $(CDK_ARGS)

clean:
	rm -rf build build-san build-release build-fuzz dist

-include $(shell find $(BUILD)/obj build-fuzz/obj -name '*.d' 2>/dev/null)
