"""Runs every test_* function of a test script in name order and prints "N passed"; the first failure raises."""


def run(scope: dict) -> None:
    tests = [(k, v) for k, v in sorted(scope.items()) if k.startswith("test_") and callable(v)]
    for name, fn in tests:
        fn()
        print(f"ok {name}")
    print(f"{len(tests)} passed")
