;; Loyalty discount: a client contract for the service commission's slot (it declares no slot).
;; Parameter "discount_bps" (u64, at most 10000).
;;   adjust()  input = a commission (8 bytes little-endian); outputs commission minus
;;             commission * discount_bps / 10000 (8 bytes) with the host's output(), counts its
;;             adjustments under "calls" and keeps its caller (the template contract) under
;;             "caller". Traps on an input that is not 8 bytes or a discount above 10000.
;;   calls()   how many adjustments it made
(module
  (import "bfd" "input" (func $input (param i32 i32) (result i32)))
  (import "bfd" "state_get" (func $state_get (param i32 i32 i32 i32) (result i32)))
  (import "bfd" "state_put" (func $state_put (param i32 i32 i32 i32)))
  (import "bfd" "caller" (func $caller (param i32)))
  (import "bfd" "output" (func $output (param i32 i32)))
  ;; 0: "p.discount_bps"  16: "calls"  24: "caller"  32: value (8)  40: commission (8)  48: caller (20)
  (memory (export "memory") 1)
  (data (i32.const 0) "p.discount_bps")
  (data (i32.const 16) "calls")
  (data (i32.const 24) "caller")

  (func $get (param $key i32) (param $len i32) (result i64)
    (if (i32.ne (call $state_get (local.get $key) (local.get $len) (i32.const 32) (i32.const 8)) (i32.const 8))
      (then (return (i64.const 0))))
    (i64.load (i32.const 32)))

  (func (export "adjust")
    (local $c i64) (local $d i64)
    (if (i32.ne (call $input (i32.const 40) (i32.const 8)) (i32.const 8)) (then (unreachable)))
    (local.set $c (i64.load (i32.const 40)))
    (local.set $d (call $get (i32.const 0) (i32.const 14)))
    (if (i64.gt_u (local.get $d) (i64.const 10000)) (then (unreachable)))
    (local.set $c
      (i64.sub (local.get $c)
               (i64.add (i64.mul (i64.div_u (local.get $c) (i64.const 10000)) (local.get $d))
                        (i64.div_u (i64.mul (i64.rem_u (local.get $c) (i64.const 10000)) (local.get $d))
                                   (i64.const 10000)))))
    (i64.store (i32.const 40) (local.get $c))
    (call $output (i32.const 40) (i32.const 8))
    (i64.store (i32.const 32) (i64.add (call $get (i32.const 16) (i32.const 5)) (i64.const 1)))
    (call $state_put (i32.const 16) (i32.const 5) (i32.const 32) (i32.const 8))
    (call $caller (i32.const 48))
    (call $state_put (i32.const 24) (i32.const 6) (i32.const 48) (i32.const 20)))

  (func (export "calls") (result i64)
    (call $get (i32.const 16) (i32.const 5))))
