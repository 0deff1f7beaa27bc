enum P2862 {}
