"""Open Badges 2.0 / 2.1 assertions (hosted and signed), verified by the rules of OB 2.0 "Verification" and
reported with the same Report as an Open Badges 3.0 credential. verification.service routes them here; this
package's `__init__` imports nothing, so that verification.inputs can use `model` without a cycle."""
