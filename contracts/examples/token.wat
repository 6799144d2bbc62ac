;; Token: balances under key "b" ++ address (8-byte little-endian values).
;;   init(supply)   once: the caller receives the whole supply; 0, or 1 if already initialised
;;   send(amount)   input = 20-byte recipient; moves tokens, emits caller ++ to ++ amount;
;;                  0, 1 short balance, 2 bad input, 3 overflow
;;   balance()      input = 20-byte address; its balance
;;   redeem(amount) burns the caller's tokens and pays as many native units to the caller
;;                  (a transfer effect); 0, or 1 short balance
(module
  (import "bfd" "input" (func $input (param i32 i32) (result i32)))
  (import "bfd" "state_get" (func $state_get (param i32 i32 i32 i32) (result i32)))
  (import "bfd" "state_put" (func $state_put (param i32 i32 i32 i32)))
  (import "bfd" "caller" (func $caller (param i32)))
  (import "bfd" "transfer" (func $transfer (param i32 i64)))
  (import "bfd" "emit_event" (func $emit_event (param i32 i32)))
  ;; 0: caller (20)  32: recipient (20)  64: key (21)  128: value (8)  160: event (48)  240: "init"
  (memory (export "memory") 1)
  (data (i32.const 240) "init")

  (func $key (param $addr i32)
    (i32.store8 (i32.const 64) (i32.const 0x62))
    (i64.store (i32.const 65) (i64.load (local.get $addr)))
    (i64.store (i32.const 73) (i64.load offset=8 (local.get $addr)))
    (i32.store (i32.const 81) (i32.load offset=16 (local.get $addr))))

  (func $get_balance (param $addr i32) (result i64)
    (call $key (local.get $addr))
    (if (i32.ne (call $state_get (i32.const 64) (i32.const 21) (i32.const 128) (i32.const 8)) (i32.const 8))
      (then (return (i64.const 0))))
    (i64.load (i32.const 128)))

  (func $set_balance (param $addr i32) (param $v i64)
    (call $key (local.get $addr))
    (i64.store (i32.const 128) (local.get $v))
    (call $state_put (i32.const 64) (i32.const 21) (i32.const 128) (i32.const 8)))

  (func (export "init") (param $supply i64) (result i32)
    (if (i32.ge_s (call $state_get (i32.const 240) (i32.const 4) (i32.const 128) (i32.const 0)) (i32.const 0))
      (then (return (i32.const 1))))
    (call $state_put (i32.const 240) (i32.const 4) (i32.const 128) (i32.const 0))
    (call $caller (i32.const 0))
    (call $set_balance (i32.const 0) (local.get $supply))
    (i32.const 0))

  (func (export "send") (param $amount i64) (result i32)
    (local $from i64) (local $to i64)
    (if (i32.ne (call $input (i32.const 32) (i32.const 20)) (i32.const 20))
      (then (return (i32.const 2))))
    (call $caller (i32.const 0))
    (local.set $from (call $get_balance (i32.const 0)))
    (if (i64.lt_u (local.get $from) (local.get $amount)) (then (return (i32.const 1))))
    (call $set_balance (i32.const 0) (i64.sub (local.get $from) (local.get $amount)))
    (local.set $to (call $get_balance (i32.const 32)))
    (if (i64.lt_u (i64.add (local.get $to) (local.get $amount)) (local.get $to))
      (then (unreachable)))  ;; overflow: trap, so the debit above is not applied either
    (call $set_balance (i32.const 32) (i64.add (local.get $to) (local.get $amount)))
    ;; event: caller ++ recipient ++ amount
    (i64.store (i32.const 160) (i64.load (i32.const 0)))
    (i64.store (i32.const 168) (i64.load (i32.const 8)))
    (i32.store (i32.const 176) (i32.load (i32.const 16)))
    (i64.store (i32.const 180) (i64.load (i32.const 32)))
    (i64.store (i32.const 188) (i64.load (i32.const 40)))
    (i32.store (i32.const 196) (i32.load (i32.const 48)))
    (i64.store (i32.const 200) (local.get $amount))
    (call $emit_event (i32.const 160) (i32.const 48))
    (i32.const 0))

  (func (export "balance") (result i64)
    (if (i32.ne (call $input (i32.const 32) (i32.const 20)) (i32.const 20))
      (then (return (i64.const 0))))
    (call $get_balance (i32.const 32)))

  (func (export "redeem") (param $amount i64) (result i32)
    (local $bal i64)
    (call $caller (i32.const 0))
    (local.set $bal (call $get_balance (i32.const 0)))
    (if (i64.lt_u (local.get $bal) (local.get $amount)) (then (return (i32.const 1))))
    (call $set_balance (i32.const 0) (i64.sub (local.get $bal) (local.get $amount)))
    (call $transfer (i32.const 0) (local.get $amount))
    (i32.const 0)))
