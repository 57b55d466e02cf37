-- wrk script of the end-to-end benchmark: every request is the contact
-- form's POST /contact, and the summary line is read by bench/run.
wrk.method = "POST"
wrk.body = "source=bench&name=Ada+Lovelace&email=ada%40example.com" ..
	"&description=Hello+from+the+benchmark.%0AA+second+line."
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

done = function(summary, latency, requests)
	local errors = summary.errors
	io.write(string.format(
		"BENCH_RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d " ..
		"socket_errors=%d non_2xx=%d\n",
		summary.requests, summary.duration,
		latency:percentile(50), latency:percentile(99),
		errors.connect + errors.read + errors.write + errors.timeout,
		errors.status))
end
