enum P27983 {}
