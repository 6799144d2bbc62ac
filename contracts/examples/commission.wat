;; Service commission: an execution template with a client slot (declared at publish as "adjuster").
;; Parameter "bps" (u64, at most 10000): the commission in basis points.
;;   run(amount)  commission = amount * bps / 10000 (rounded down); passes it (8 bytes little-endian)
;;                to the slot client's "adjust" and takes the client's 8-byte output instead when
;;                it gives one (no client, no such method, a failed client or another output
;;                length: the computed commission stands); caps it at amount, keeps it under
;;                "last" and returns it. Traps without a valid "bps".
;;   last()       the last commission (0 before the first run)
(module
  (import "bfd" "state_get" (func $state_get (param i32 i32 i32 i32) (result i32)))
  (import "bfd" "state_put" (func $state_put (param i32 i32 i32 i32)))
  (import "bfd" "slot_call" (func $slot_call (param i32 i32 i32 i32 i32 i32) (result i32)))
  ;; 0: "p.bps"  8: "adjust"  16: "last"  32: bps (8)  40: slot input (8)  48: slot output (8)
  (memory (export "memory") 1)
  (data (i32.const 0) "p.bps")
  (data (i32.const 8) "adjust")
  (data (i32.const 16) "last")

  (func (export "run") (param $amount i64) (result i64)
    (local $bps i64) (local $fee i64)
    (if (i32.ne (call $state_get (i32.const 0) (i32.const 5) (i32.const 32) (i32.const 8)) (i32.const 8))
      (then (unreachable)))
    (local.set $bps (i64.load (i32.const 32)))
    (if (i64.gt_u (local.get $bps) (i64.const 10000)) (then (unreachable)))
    ;; amount * bps / 10000 without overflow: amount is unsigned, bps <= 10000
    (local.set $fee
      (i64.add (i64.mul (i64.div_u (local.get $amount) (i64.const 10000)) (local.get $bps))
               (i64.div_u (i64.mul (i64.rem_u (local.get $amount) (i64.const 10000)) (local.get $bps))
                          (i64.const 10000))))
    (i64.store (i32.const 40) (local.get $fee))
    (if (i32.eq (call $slot_call (i32.const 8) (i32.const 6) (i32.const 40) (i32.const 8) (i32.const 48) (i32.const 8))
                (i32.const 8))
      (then (local.set $fee (i64.load (i32.const 48)))))
    (if (i64.gt_u (local.get $fee) (local.get $amount)) (then (local.set $fee (local.get $amount))))
    (i64.store (i32.const 40) (local.get $fee))
    (call $state_put (i32.const 16) (i32.const 4) (i32.const 40) (i32.const 8))
    (local.get $fee))

  (func (export "last") (result i64)
    (if (i32.ne (call $state_get (i32.const 16) (i32.const 4) (i32.const 48) (i32.const 8)) (i32.const 8))
      (then (return (i64.const 0))))
    (i64.load (i32.const 48))))
