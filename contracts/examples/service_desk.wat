;; Service desk: the data and lock store of a system-service DApp (docs/dapps.md). One template,
;; deployed once per service with parameters:
;;   commission (bytes)     the commission model text ("percent:250", "fixed:100000", "expr:...")
;;   commission_to (address) who receives the commission (the service owner)
;;   billable (bytes)       the entry point that is charged: "request"
;;   price (amount)         the least value a request carries
;;   operator (address)     the service's operator: acknowledges, cancels and answers requests
;; The contracts module charges the commission (commission, commission_to, billable, price); the
;; code below never reads those four.
;; A request id RID is 1-32 bytes; every input starts with its length byte L then RID.
;;   request()  input L RID FUND(8, little-endian) PAYLOAD(0-1024): records "r.RID" =
;;              status 1 (open) ++ caller(20) ++ FUND ++ height(8) ++ PAYLOAD and the lock
;;              "k.RID" = caller; traps if "r.RID" exists (a request id commits once); emits L RID;
;;              returns 1
;;   ack()      input L RID, operator only: the usage record is on the fund chain; deletes the
;;              lock, status 2 (acknowledged); traps without the lock; returns 2
;;   cancel()   input L RID, operator only: compensation; deletes the lock, status 3 (cancelled);
;;              traps without the lock; returns 3
;;   answer()   input L RID RESULT(1-1024), operator only, of an acknowledged request: "a.RID" =
;;              RESULT and "f." ++ FUND = L RID RESULT (the fund's latest answer); emits L RID;
;;              returns 1
(module
  (import "bfd" "input" (func $input (param i32 i32) (result i32)))
  (import "bfd" "state_get" (func $state_get (param i32 i32 i32 i32) (result i32)))
  (import "bfd" "state_put" (func $state_put (param i32 i32 i32 i32)))
  (import "bfd" "state_del" (func $state_del (param i32 i32)))
  (import "bfd" "caller" (func $caller (param i32)))
  (import "bfd" "height" (func $height (result i64)))
  (import "bfd" "emit_event" (func $emit_event (param i32 i32)))
  ;; 0: "p.operator"  128: caller (20)  160: operator (20)  1024: input (at most 2048)
  ;; 4096: a request record  8192: a state key
  (memory (export "memory") 1)
  (data (i32.const 0) "p.operator")

  (func $copy (param $dst i32) (param $src i32) (param $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (i32.store8 (local.get $dst) (i32.load8_u (local.get $src)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
        (local.set $src (i32.add (local.get $src) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next))))

  ;; Reads the input (at most 2048 bytes) and checks L (1-32) and that RID is all there; returns
  ;; the input's length.
  (func $read_input (result i32)
    (local $n i32) (local $l i32)
    (local.set $n (call $input (i32.const 1024) (i32.const 2048)))
    (if (i32.gt_u (local.get $n) (i32.const 2048)) (then (unreachable)))
    (if (i32.lt_u (local.get $n) (i32.const 2)) (then (unreachable)))
    (local.set $l (i32.load8_u (i32.const 1024)))
    (if (i32.or (i32.eqz (local.get $l)) (i32.gt_u (local.get $l) (i32.const 32))) (then (unreachable)))
    (if (i32.lt_u (local.get $n) (i32.add (local.get $l) (i32.const 1))) (then (unreachable)))
    (local.get $n))

  ;; Writes PREFIX "." RID at 8192; returns the key's length.
  (func $key (param $prefix i32) (result i32)
    (local $l i32)
    (local.set $l (i32.load8_u (i32.const 1024)))
    (i32.store8 (i32.const 8192) (local.get $prefix))
    (i32.store8 (i32.const 8193) (i32.const 46))
    (call $copy (i32.const 8194) (i32.const 1025) (local.get $l))
    (i32.add (local.get $l) (i32.const 2)))

  (func $only_operator
    (if (i32.ne (call $state_get (i32.const 0) (i32.const 10) (i32.const 160) (i32.const 20)) (i32.const 20))
      (then (unreachable)))
    (call $caller (i32.const 128))
    (if (i32.or (i32.or (i64.ne (i64.load (i32.const 128)) (i64.load (i32.const 160)))
                        (i64.ne (i64.load (i32.const 136)) (i64.load (i32.const 168))))
                (i32.ne (i32.load (i32.const 144)) (i32.load (i32.const 176))))
      (then (unreachable))))

  (func (export "request") (result i64)
    (local $n i32) (local $l i32) (local $k i32) (local $payload i32)
    (local.set $n (call $read_input))
    (local.set $l (i32.load8_u (i32.const 1024)))
    (if (i32.lt_u (local.get $n) (i32.add (local.get $l) (i32.const 9))) (then (unreachable)))
    (local.set $payload (i32.sub (local.get $n) (i32.add (local.get $l) (i32.const 9))))
    (if (i32.gt_u (local.get $payload) (i32.const 1024)) (then (unreachable)))
    (local.set $k (call $key (i32.const 114)))  ;; 'r'
    (if (i32.ne (call $state_get (i32.const 8192) (local.get $k) (i32.const 4096) (i32.const 0)) (i32.const -1))
      (then (unreachable)))
    (i32.store8 (i32.const 4096) (i32.const 1))
    (call $caller (i32.const 4097))
    (call $copy (i32.const 4117) (i32.add (i32.const 1025) (local.get $l)) (i32.const 8))
    (i64.store (i32.const 4125) (call $height))
    (call $copy (i32.const 4133) (i32.add (i32.const 1033) (local.get $l)) (local.get $payload))
    (call $state_put (i32.const 8192) (local.get $k) (i32.const 4096) (i32.add (local.get $payload) (i32.const 37)))
    (local.set $k (call $key (i32.const 107)))  ;; 'k'
    (call $state_put (i32.const 8192) (local.get $k) (i32.const 4097) (i32.const 20))
    (call $emit_event (i32.const 1024) (i32.add (local.get $l) (i32.const 1)))
    (i64.const 1))

  ;; Releases the lock of RID and sets the request's status; returns the status.
  (func $settle (param $status i32) (result i64)
    (local $k i32) (local $len i32)
    (drop (call $read_input))
    (call $only_operator)
    (local.set $k (call $key (i32.const 107)))  ;; 'k'
    (if (i32.eq (call $state_get (i32.const 8192) (local.get $k) (i32.const 4096) (i32.const 0)) (i32.const -1))
      (then (unreachable)))
    (call $state_del (i32.const 8192) (local.get $k))
    (local.set $k (call $key (i32.const 114)))  ;; 'r'
    (local.set $len (call $state_get (i32.const 8192) (local.get $k) (i32.const 4096) (i32.const 2048)))
    (if (i32.lt_s (local.get $len) (i32.const 37)) (then (unreachable)))
    (i32.store8 (i32.const 4096) (local.get $status))
    (call $state_put (i32.const 8192) (local.get $k) (i32.const 4096) (local.get $len))
    (i64.extend_i32_u (local.get $status)))

  (func (export "ack") (result i64) (call $settle (i32.const 2)))
  (func (export "cancel") (result i64) (call $settle (i32.const 3)))

  (func (export "answer") (result i64)
    (local $n i32) (local $l i32) (local $k i32) (local $len i32) (local $result i32)
    (local.set $n (call $read_input))
    (call $only_operator)
    (local.set $l (i32.load8_u (i32.const 1024)))
    (local.set $result (i32.sub (local.get $n) (i32.add (local.get $l) (i32.const 1))))
    (if (i32.or (i32.eqz (local.get $result)) (i32.gt_u (local.get $result) (i32.const 1024))) (then (unreachable)))
    (local.set $k (call $key (i32.const 114)))  ;; 'r'
    (local.set $len (call $state_get (i32.const 8192) (local.get $k) (i32.const 4096) (i32.const 2048)))
    (if (i32.lt_s (local.get $len) (i32.const 37)) (then (unreachable)))
    (if (i32.ne (i32.load8_u (i32.const 4096)) (i32.const 2)) (then (unreachable)))
    (local.set $k (call $key (i32.const 97)))  ;; 'a'
    (call $state_put (i32.const 8192) (local.get $k) (i32.add (i32.const 1025) (local.get $l)) (local.get $result))
    ;; "f." ++ FUND(8)
    (i32.store8 (i32.const 8192) (i32.const 102))
    (i32.store8 (i32.const 8193) (i32.const 46))
    (call $copy (i32.const 8194) (i32.const 4117) (i32.const 8))
    (call $state_put (i32.const 8192) (i32.const 10) (i32.const 1024) (local.get $n))
    (call $emit_event (i32.const 1024) (i32.add (local.get $l) (i32.const 1)))
    (i64.const 1)))
