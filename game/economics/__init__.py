"""Layer 3: money and value after the rules.

``values`` draws bidders' private values, ``welfare`` the best feasible
allocation and the efficiency measures (its optima by band come from
``bandsolve``, HiGHS is the reference), ``payments`` the payment plans.
Never imports pygame.
"""
