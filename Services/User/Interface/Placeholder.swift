enum PInterface {}
