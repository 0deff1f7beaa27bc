enum P1523 {}
