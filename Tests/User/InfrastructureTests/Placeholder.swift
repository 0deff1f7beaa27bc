enum P26008 {}
