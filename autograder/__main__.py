def main():
    raise SystemExit("autograder: not ready")
