enum P26443 {}
