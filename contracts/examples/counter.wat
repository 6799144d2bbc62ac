;; Counter: increment() adds one to the 8-byte little-endian value under key "count" and returns it;
;; get() returns it (0 before the first increment).
(module
  (import "bfd" "state_get" (func $state_get (param i32 i32 i32 i32) (result i32)))
  (import "bfd" "state_put" (func $state_put (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "count")          ;; the key, 5 bytes at 0; the value buffer is at 16

  (func $get (export "get") (result i64)
    (if (i32.ne (call $state_get (i32.const 0) (i32.const 5) (i32.const 16) (i32.const 8)) (i32.const 8))
      (then (return (i64.const 0))))
    (i64.load (i32.const 16)))

  (func (export "increment") (result i64)
    (local $n i64)
    (local.set $n (i64.add (call $get) (i64.const 1)))
    (i64.store (i32.const 16) (local.get $n))
    (call $state_put (i32.const 0) (i32.const 5) (i32.const 16) (i32.const 8))
    (local.get $n)))
