"""A PennyLane model as a bpcalc factory (needs ``pip install 'bpcalc[pennylane]'``).

``qnode_model(n, layers)`` is an ordinary PennyLane QNode: angle embedding ``RX(x_j)``, then
``layers`` of ``Rot`` on every wire and a CNOT ring, measured with ``qml.expval(Z0 Z1)``.
``circuit(n, layers)`` traces it on sympy symbols (``weights_l_j_k`` trainable, ``x_j`` data),
which is what ``bpcalc analyze`` calls::

    bpcalc analyze examples/pennylane_factory.py:circuit --arg n=3 --observable 'Z0*Z1'

From Python, :func:`bpcalc.circuits.pennylane_io.circuit_from_pennylane` also returns the observable::

    circuit, observable = circuit_from_pennylane(qnode_model(3, 2), weights=(2, 3, 3), x=(3,))
"""

import pennylane as qml


def qnode_model(n: int = 3, layers: int = 2):
    """The QNode (default.qubit) with arguments ``weights`` (layers, n, 3) and ``x`` (n,)."""
    dev = qml.device("default.qubit", wires=n)

    @qml.qnode(dev)
    def model(weights, x):
        for j in range(n):
            qml.RX(x[j], wires=j)
        for layer in range(layers):
            for j in range(n):
                qml.Rot(weights[layer, j, 0], weights[layer, j, 1], weights[layer, j, 2], wires=j)
            for j in range(n):
                qml.CNOT(wires=[j, (j + 1) % n])
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

    return model


def circuit(n: int = 3, layers: int = 2):
    """bpcalc factory: the tape of :func:`qnode_model` on sympy symbols."""
    from bpcalc.circuits.pennylane_io import trace

    return trace(qnode_model(n, layers), weights=(layers, n, 3), x=(n,))
