;; Fee function (docs/fee-functions.md): fee(amount, height, calls, units) -> i64, all unsigned.
;; 0.25% of the amount (amount / 400), at least 10 and at most 50000, plus 2 per unit; half price
;; while the service has made fewer than 100 calls. More than 1000000 units is refused: -1.
;; The same function as the expression
;;   if(calls < 100, (clamp(amount / 400, 10, 50_000) + units * 2) / 2, clamp(amount / 400, 10, 50_000) + units * 2)
;; for units up to 1000000. Reads no state and writes none.
(module
  (func (export "fee") (param $amount i64) (param $height i64) (param $calls i64) (param $units i64) (result i64)
    (local $fee i64)
    (if (i64.gt_u (local.get $units) (i64.const 1000000))
      (then (return (i64.const -1))))
    (local.set $fee (i64.div_u (local.get $amount) (i64.const 400)))
    (if (i64.lt_u (local.get $fee) (i64.const 10))
      (then (local.set $fee (i64.const 10))))
    (if (i64.gt_u (local.get $fee) (i64.const 50000))
      (then (local.set $fee (i64.const 50000))))
    (local.set $fee (i64.add (local.get $fee) (i64.mul (local.get $units) (i64.const 2))))
    (if (i64.lt_u (local.get $calls) (i64.const 100))
      (then (local.set $fee (i64.div_u (local.get $fee) (i64.const 2)))))
    (local.get $fee)))
