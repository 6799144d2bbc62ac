;; Loops forever: the fuel test's contract. spin() never returns; only fuel stops it.
(module
  (func (export "spin")
    (loop $again (br $again))))
