enum P18498 {}
