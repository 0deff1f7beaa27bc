import HummingbirdTesting
public enum TestingPlaceholder {}
