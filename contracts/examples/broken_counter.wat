;; A broken release of the counter: same exports, but increment() traps (unreachable) before it
;; writes anything, so every call fails. The service canary test deploys it as a bad version 2
;; (tests/integration/service_canary_test.sh, docs/service-triage.md).
(module
  (memory (export "memory") 1)
  (func (export "get") (result i64)
    (i64.const 0))
  (func (export "increment") (result i64)
    (unreachable)))
