"""Layer 3: money and value after the rules.

``values`` draws bidders' private values, ``welfare`` the best feasible
allocation and efficiency, ``payments`` the payment plans. Never imports pygame.
"""
