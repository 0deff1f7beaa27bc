enum P4581 {}
