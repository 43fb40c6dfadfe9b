touch marker3
